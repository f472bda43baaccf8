/**
 * Attestation of shared records (BPIIoT VI.B.3): the uploader's commitment to the stored object
 * and the verifier's signed statement that it fetched that object.
 *
 * The uploader (an IoT unit) puts `objectCommitment(objectDigest(bytes))` in the EPR with the
 * record, `bytes` being the sealed envelope as stored at the record's URI. The digest itself
 * appears nowhere until a verifier reveals it: a verifier gets it only by downloading the object
 * (or from someone who did). The verifier signs, under the EPR's EIP-712 domain,
 * `Attestation(recordId, uri, contentHash, objectDigest)`, and anyone may submit the signature
 * with `EPR.attest(recordId, objectDigest, signature)`; the chain checks the commitment, the
 * signer's verifier role and its independence, then pays the rewards.
 *
 * A verifier that is also a reader of the record decrypts the object and checks the plaintext
 * against the record's `contentHash` before signing, so its signature also vouches for the data;
 * one that is not can only vouch for the object. `prepareAttestation` says which it did.
 */
import { AbiCoder, Contract, getAddress, keccak256, type ContractRunner, type TypedDataDomain } from "ethers";
import { decodeEnvelope, NotAReaderError, openEnvelope, type ReaderWallet } from "../offchain";
import { EPR_ABI } from "./abi";
import { AttestationObjectError } from "./errors";
import type { TypedDataSigner } from "./funding";
import { fetchRecordObject, getRecord, type EnvelopeSource, type ReaderStepListener } from "./reader";

/** The EIP-712 types of an attestation (`EquipmentProviderRelationship.ATTESTATION_TYPEHASH`). */
export const ATTESTATION_TYPES: { Attestation: { name: string; type: string }[] } = {
  Attestation: [
    { name: "recordId", type: "uint256" },
    { name: "uri", type: "string" },
    { name: "contentHash", type: "bytes32" },
    { name: "objectDigest", type: "bytes32" },
  ],
};

/** keccak-256 of a stored object's bytes: what a verifier who fetched it reveals. */
export function objectDigest(bytes: Uint8Array): string {
  return keccak256(bytes);
}

/** The commitment an uploader stores for an object with digest `digest`: `keccak256(abi.encode(digest))`. */
export function objectCommitment(digest: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32"], [digest]));
}

/** What a verifier signs for one record. */
export interface AttestationClaim {
  recordId: bigint;
  uri: string;
  contentHash: string;
  objectDigest: string;
}

/** The EIP-712 domain of `epr`'s attestations, as the EPR publishes it (EIP-5267). */
export async function attestationDomain(runner: ContractRunner, epr: string): Promise<TypedDataDomain> {
  const domain = await new Contract(getAddress(epr), EPR_ABI, runner).eip712Domain();
  return {
    name: domain.name as string,
    version: domain.version as string,
    chainId: domain.chainId as bigint,
    verifyingContract: domain.verifyingContract as string,
  };
}

/** `signer`'s EIP-712 signature of `claim` under `domain`. */
export function signAttestation(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  claim: AttestationClaim,
): Promise<string> {
  return signer.signTypedData(domain, ATTESTATION_TYPES, { ...claim });
}

/** A signed attestation, ready for `EPR.attest`. */
export interface Attestation {
  epr: string;
  recordId: bigint;
  verifier: string;
  objectDigest: string;
  signature: string;
  /** True when the verifier decrypted the object and found the record's content hash. */
  checkedPlaintext: boolean;
}

/**
 * Fetches record `recordId`'s object as `verifier` from `source` (a gateway, as a reader the
 * EPR authorizes, or a store), checks it against the record's commitment (and, if the verifier
 * is one of its readers, decrypts it and checks the plaintext against the content hash), and
 * signs the attestation. Throws {@link AttestationObjectError} when the object is not the one
 * the uploader committed to, `PlaintextHashMismatchError` when its plaintext is not the recorded
 * data, `GatewayRequestError` when the gateway refuses.
 */
export async function prepareAttestation(options: {
  runner: ContractRunner;
  epr: string;
  recordId: bigint | number;
  verifier: ReaderWallet & TypedDataSigner;
  source: EnvelopeSource;
  onStep?: ReaderStepListener;
}): Promise<Attestation> {
  const { runner, verifier, source, onStep } = options;
  const epr = getAddress(options.epr);
  const recordId = BigInt(options.recordId);
  const [record, commitment] = await Promise.all([
    getRecord(runner, epr, recordId),
    new Contract(epr, EPR_ABI, runner).objectCommitmentOf(recordId) as Promise<string>,
  ]);
  const bytes = await fetchRecordObject(record, verifier, source, { onStep });
  const digest = objectDigest(bytes);
  if (objectCommitment(digest) !== commitment)
    throw new AttestationObjectError(epr, recordId, record.uri, commitment, digest);
  let checkedPlaintext = false;
  try {
    openEnvelope(decodeEnvelope(bytes), verifier, record.contentHash);
    checkedPlaintext = true;
  } catch (error) {
    // A verifier the device did not choose as a reader vouches for the object only.
    if (!(error instanceof NotAReaderError)) throw error;
  }
  const signature = await signAttestation(verifier, await attestationDomain(runner, epr), {
    recordId,
    uri: record.uri,
    contentHash: record.contentHash,
    objectDigest: digest,
  });
  return { epr, recordId, verifier: getAddress(verifier.address), objectDigest: digest, signature, checkedPlaintext };
}
