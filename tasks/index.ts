// Every Hardhat task of the project; hardhat.config.ts imports this file. One line per task file;
// each registers its tasks through commchainTask (tasks/kit), which hands the library's typed
// errors to Hardhat's CLI as plain messages, so no list of task names is kept here.
import "./gen-traffic";
import "./partition";
import "./store";
import "./chain-node";
import "./chains";
import "./anchor";
import "./deploy";
import "./records";
import "./economics";
import "./start";
import "./accounts";
import "./market";
import "./learning";
