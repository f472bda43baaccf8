// Every Hardhat task of the project; hardhat.config.ts imports this file. One line per task file.
import "./gen-traffic";
import "./partition";
import "./store";
import "./chain-node";
import "./chains";
import "./anchor";
import "./deploy";
import "./records";
