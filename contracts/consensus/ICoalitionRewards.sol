// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/**
 * @title ICoalitionRewards
 * @notice The consensus reward of the coalition-formation game (paper §3.3, eq. 1: u_m = P_m·R −
 * C_m − ξ_m·T_m) on the main chain. Miners form coalitions off chain (merge-and-split); each round
 * a coalition S of total sensing capacity D_S = Σ d_m wins the round's reward R with probability
 * D_S^γ / Σ_{S′} D_{S′}^γ, and its members share R in proportion to their capacities, so a
 * miner's chance of the reward is P_m = (D_S^γ / Σ D_{S′}^γ)·d_m/D_S, as in the model.
 *
 * A round goes through four phases, each deadline exclusive for the party that must act by it:
 *
 * - Registration, until `registerEnd`: anyone submits a coalition with the EIP-712 `Membership`
 *   signature of each member ({register}). A miner is in at most one coalition per round.
 * - Commit, until `commitEnd`: one member of each coalition commits to a secret seed ({commit});
 *   a coalition may commit as soon as it is registered.
 * - Reveal, from `commitEnd` until `revealEnd`: anyone holding a coalition's seed reveals it
 *   ({reveal}). A coalition that does not reveal is excluded from the draw.
 * - From `revealEnd` on anyone may {draw} once: the randomness is the hash of every revealed seed,
 *   the winner is picked by weight, its members are credited, and they {withdraw} the ETH.
 *
 * The randomness is controlled by no single party as long as one revealing coalition keeps its
 * seed secret until the reveal phase. Its known bias is the last revealer's: a coalition that has
 * seen every other seed knows the outcome with and without its own and may withhold its seed, but
 * withholding forfeits its own chance (it is excluded), so it only re-rolls the draw among the
 * others when it would have lost anyway. One party controlling k coalitions (cheap: keys are free
 * and capacities are self-declared) chooses among up to 2^k outcomes; a bond forfeited on a
 * missing reveal would price this and is not implemented.
 *
 * Capacities are self-declared and not verified on chain: the contract trusts the sensing
 * capacity each member signs, as the paper's model takes d_m as given.
 */
interface ICoalitionRewards {
    /**
     * @notice A member of a coalition.
     * @param miner the miner's account, which signs the `Membership`
     * @param capacity the miner's sensing capacity d_m, self-declared, > 0, in thousandths of a
     * unit (1e3 = capacity 1.0), so the model's d_m ~ U[1, 10] spans 1,000 to 10,000
     */
    struct Member {
        address miner;
        uint96 capacity;
    }

    /**
     * @notice A round.
     * @param reward R, the wei paid into the round by {openRound}
     * @param opener the account that opened the round; credited R back when nobody reveals
     * @param registerEnd registration is open before this second
     * @param gamma the weight exponent in tenths: 10, 15 or 20
     * @param drawn whether {draw} ran
     * @param commitEnd commits are accepted before this second
     * @param revealEnd seeds are revealed from `commitEnd` until before this second
     * @param coalitionCount the coalitions registered (ids 1 … coalitionCount)
     * @param winner the winning coalition once drawn; 0 when none revealed (or before the draw)
     * @param randomness the draw's randomness once drawn; 0 when none revealed
     */
    struct Round {
        uint256 reward;
        address opener;
        uint64 registerEnd;
        uint8 gamma;
        bool drawn;
        uint64 commitEnd;
        uint64 revealEnd;
        uint32 coalitionCount;
        uint32 winner;
        bytes32 randomness;
    }

    /**
     * @notice A registered coalition.
     * @param membersHash keccak256 of the abi-encoded `Member[]`, what every member signed
     * @param totalCapacity D_S, the sum of the members' capacities (thousandths)
     * @param memberCount the number of members
     * @param revealed whether its seed was revealed
     * @param commitment the commitment to its seed; 0 before {commit}
     * @param seed the revealed seed; 0 before {reveal}
     */
    struct Coalition {
        bytes32 membersHash;
        uint128 totalCapacity;
        uint32 memberCount;
        bool revealed;
        bytes32 commitment;
        bytes32 seed;
    }

    /// @notice The admin given to the constructor is the zero address.
    error RewardsInvalidAddress(address given);
    /// @notice Round `roundId` was never opened.
    error RewardsUnknownRound(uint256 roundId);
    /// @notice Coalition `coalitionId` was never registered in round `roundId`.
    error RewardsUnknownCoalition(uint256 roundId, uint256 coalitionId);
    /// @notice The call on round `roundId` is allowed from `at` on; it is `now`.
    error RewardsTooEarly(uint256 roundId, uint256 now, uint256 at);
    /// @notice The call on round `roundId` was allowed only before `by`; it is `now`.
    error RewardsTooLate(uint256 roundId, uint256 now, uint256 by);
    /// @notice `gamma` is not one of {GAMMA_1}, {GAMMA_1_5}, {GAMMA_2}.
    error RewardsBadGamma(uint8 gamma);
    /// @notice The deadlines are not `now < registerEnd < commitEnd < revealEnd`.
    error RewardsBadDeadlines(uint256 now, uint64 registerEnd, uint64 commitEnd, uint64 revealEnd);
    /// @notice {openRound} was sent no ETH.
    error RewardsZeroReward();
    /// @notice A coalition of round `roundId` with no member.
    error RewardsEmptyCoalition(uint256 roundId);
    /// @notice A coalition of `count` members, above `max`.
    error RewardsTooManyMembers(uint256 count, uint256 max);
    /// @notice Round `roundId` already has `max` coalitions.
    error RewardsTooManyCoalitions(uint256 roundId, uint256 max);
    /// @notice `count` members but `signatures` signatures.
    error RewardsSignatureCountMismatch(uint256 count, uint256 signatures);
    /// @notice `miner` does not come strictly after `previous` (members must be sorted by address,
    /// without duplicates; the zero address is refused as it sorts first).
    error RewardsMembersNotSorted(address previous, address miner);
    /// @notice `miner` declared a capacity of zero.
    error RewardsZeroCapacity(address miner);
    /// @notice The `Membership` signature given for `miner` is not its.
    error RewardsBadSignature(address miner);
    /// @notice `miner` is already in coalition `coalitionId` of round `roundId`.
    error RewardsAlreadyInCoalition(uint256 roundId, address miner, uint256 coalitionId);
    /// @notice `caller` is not a member of coalition `coalitionId` of round `roundId`.
    error RewardsNotMember(uint256 roundId, uint256 coalitionId, address caller);
    /// @notice Coalition `coalitionId` of round `roundId` already committed.
    error RewardsAlreadyCommitted(uint256 roundId, uint256 coalitionId);
    /// @notice A commitment of zero, which marks "no commitment".
    error RewardsZeroCommitment(uint256 roundId, uint256 coalitionId);
    /// @notice Coalition `coalitionId` of round `roundId` never committed.
    error RewardsNoCommitment(uint256 roundId, uint256 coalitionId);
    /// @notice Coalition `coalitionId` of round `roundId` already revealed.
    error RewardsAlreadyRevealed(uint256 roundId, uint256 coalitionId);
    /// @notice The seed hashes to `computed`, not to the commitment `expected`.
    error RewardsCommitmentMismatch(uint256 roundId, uint256 coalitionId, bytes32 expected, bytes32 computed);
    /// @notice Round `roundId` was already drawn.
    error RewardsAlreadyDrawn(uint256 roundId);
    /// @notice `capacity` is above `max`, the most a coalition can total.
    error RewardsCapacityTooLarge(uint256 capacity, uint256 max);
    /// @notice `account` has no credited balance.
    error RewardsNothingToWithdraw(address account);
    /// @notice Sending `amount` wei to `account` failed.
    error RewardsWithdrawFailed(address account, uint256 amount);

    /// @notice `opener` opened round `roundId` with reward `reward` and these deadlines and γ (tenths).
    event RoundOpened(
        uint256 indexed roundId,
        address indexed opener,
        uint256 reward,
        uint64 registerEnd,
        uint64 commitEnd,
        uint64 revealEnd,
        uint8 gamma
    );
    /// @notice Coalition `coalitionId` of round `roundId`, of members `membersHash` totalling `totalCapacity`, registered.
    event CoalitionRegistered(
        uint256 indexed roundId,
        uint256 indexed coalitionId,
        bytes32 membersHash,
        uint256 totalCapacity
    );
    /// @notice Member `member` committed coalition `coalitionId` of round `roundId` to `commitment`.
    event SeedCommitted(
        uint256 indexed roundId,
        uint256 indexed coalitionId,
        address indexed member,
        bytes32 commitment
    );
    /// @notice Coalition `coalitionId` of round `roundId` revealed `seed`.
    event SeedRevealed(uint256 indexed roundId, uint256 indexed coalitionId, bytes32 seed);
    /// @notice Round `roundId` was drawn: coalition `winner` won on `randomness` (both 0 when none revealed).
    event RoundDrawn(uint256 indexed roundId, uint256 indexed winner, bytes32 randomness);
    /// @notice `miner` was credited `amount` wei from round `roundId`.
    event RewardCredited(uint256 indexed roundId, address indexed miner, uint256 amount);
    /// @notice `account` withdrew `amount` wei of its credit.
    event Withdrawn(address indexed account, uint256 amount);

    /**
     * @notice Open a round whose reward is the ETH sent (`ROUND_ROLE`).
     * @dev Reverts with {RewardsZeroReward}, {RewardsBadGamma} and {RewardsBadDeadlines}. Emits
     * {RoundOpened}.
     * @param registerEnd registration closes at this second
     * @param commitEnd commits close (and reveals open) at this second
     * @param revealEnd reveals close (and the draw opens) at this second
     * @param gamma the weight exponent in tenths: {GAMMA_1}, {GAMMA_1_5} or {GAMMA_2}
     * @return roundId the new round's id (1, 2, …)
     */
    function openRound(
        uint64 registerEnd,
        uint64 commitEnd,
        uint64 revealEnd,
        uint8 gamma
    ) external payable returns (uint256 roundId);

    /**
     * @notice Register coalition `members` in round `roundId`, before its `registerEnd` (anyone may
     * submit). `signatures[i]` is `members[i].miner`'s EIP-712 signature of
     * `Membership(roundId, hashMembers(members), miner, capacity)` (EOA or ERC-1271), so a signature
     * cannot be replayed for another coalition, capacity or round.
     * @dev Reverts with {RewardsUnknownRound}, {RewardsTooLate}, {RewardsSignatureCountMismatch},
     * {RewardsEmptyCoalition}, {RewardsTooManyMembers}, {RewardsTooManyCoalitions},
     * {RewardsMembersNotSorted}, {RewardsZeroCapacity}, {RewardsAlreadyInCoalition} and
     * {RewardsBadSignature}. Emits {CoalitionRegistered}.
     * @param members 1 to {MAX_MEMBERS} members sorted by address strictly ascending
     * @return coalitionId the coalition's id in the round (1, 2, …)
     */
    function register(
        uint256 roundId,
        Member[] calldata members,
        bytes[] calldata signatures
    ) external returns (uint256 coalitionId);

    /**
     * @notice Commit coalition `coalitionId` of round `roundId` to a seed (a member, once, before
     * `commitEnd`): `commitment = keccak256(abi.encode(roundId, coalitionId, seed))`.
     * @dev Reverts with {RewardsUnknownRound}, {RewardsTooLate}, {RewardsUnknownCoalition},
     * {RewardsNotMember}, {RewardsZeroCommitment} and {RewardsAlreadyCommitted}. Emits {SeedCommitted}.
     */
    function commit(uint256 roundId, uint256 coalitionId, bytes32 commitment) external;

    /**
     * @notice Reveal the seed of coalition `coalitionId` of round `roundId`, from `commitEnd` until
     * before `revealEnd`. Anyone may call: knowing the seed is the credential.
     * @dev Reverts with {RewardsUnknownRound}, {RewardsTooEarly}, {RewardsTooLate},
     * {RewardsUnknownCoalition}, {RewardsNoCommitment}, {RewardsAlreadyRevealed} and
     * {RewardsCommitmentMismatch}. Emits {SeedRevealed}.
     */
    function reveal(uint256 roundId, uint256 coalitionId, bytes32 seed) external;

    /**
     * @notice Draw round `roundId` (anyone, once, from `revealEnd` on). The randomness is
     * `keccak256(abi.encodePacked(seeds))` over the revealed seeds in coalition order; with W the
     * sum of {weightOf}(D_S, γ) over the revealing coalitions, the winner is the coalition whose
     * cumulative weight interval (in coalition order) holds `uint256(randomness) % W`. Each
     * member is credited `reward · d_m / D_S` (rounded down), the dust to the first member. If no
     * coalition revealed, the opener is credited the reward.
     * @dev Reverts with {RewardsUnknownRound}, {RewardsTooEarly} and {RewardsAlreadyDrawn}. Emits
     * {RoundDrawn} and a {RewardCredited} per member credited (or for the opener).
     */
    function draw(uint256 roundId) external;

    /**
     * @notice Send the caller its whole credited balance.
     * @dev Reverts with {RewardsNothingToWithdraw} and {RewardsWithdrawFailed} (the credit is then
     * kept). Emits {Withdrawn}.
     */
    function withdraw() external;

    /**
     * @notice The draw weight of a coalition of total capacity `capacity` (thousandths) under
     * exponent `gamma` (tenths): `capacity` for γ = 1, `capacity · ⌊√(capacity · 10^18)⌋`
     * (= capacity^1.5 · 10^9, relative error below 10^-9) for γ = 1.5, `capacity²` for γ = 2.
     * Only ratios of weights of one round matter, so each γ has its own scale.
     * @dev Reverts with {RewardsBadGamma} and {RewardsCapacityTooLarge} above
     * {MAX_MEMBERS} · type(uint96).max.
     */
    function weightOf(uint256 capacity, uint8 gamma) external pure returns (uint256);

    /// @notice Round `id`. Reverts with {RewardsUnknownRound}.
    function round(uint256 id) external view returns (Round memory);

    /// @notice The number of rounds opened (the last round id).
    function roundCount() external view returns (uint256);

    /// @notice Coalition `coalitionId` of round `roundId`. Reverts with {RewardsUnknownRound} and {RewardsUnknownCoalition}.
    function coalition(uint256 roundId, uint256 coalitionId) external view returns (Coalition memory);

    /// @notice The members of coalition `coalitionId` of round `roundId`, in order. Reverts as {coalition}.
    function membersOf(uint256 roundId, uint256 coalitionId) external view returns (Member[] memory);

    /// @notice The coalition of `miner` in round `roundId`; 0 for none.
    function coalitionOf(uint256 roundId, address miner) external view returns (uint256);

    /// @notice The wei credited to `account` and not yet withdrawn.
    function creditOf(address account) external view returns (uint256);

    /// @notice keccak256 of the abi-encoded `members`, the `membersHash` each member signs.
    function hashMembers(Member[] calldata members) external pure returns (bytes32);

    /// @notice The commitment {reveal} checks `seed` against: `keccak256(abi.encode(roundId, coalitionId, seed))`.
    function commitmentOf(uint256 roundId, uint256 coalitionId, bytes32 seed) external pure returns (bytes32);

    /// @notice The EIP-712 digest `miner` signs to join the coalition `membersHash` of round `roundId` with `capacity`.
    function membershipDigest(
        uint256 roundId,
        bytes32 membersHash,
        address miner,
        uint96 capacity
    ) external view returns (bytes32);
}
