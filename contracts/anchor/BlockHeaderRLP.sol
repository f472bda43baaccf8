// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/**
 * @title BlockHeaderRLP
 * @notice Reads the parent hash, state root and number out of an RLP-encoded Ethereum block
 * header.
 * @dev Hand-written rather than a general RLP decoder (none ships with OpenZeppelin): every
 * header field before `difficulty` has a fixed size, so parentHash and stateRoot sit at fixed
 * offsets after the list prefix and only `difficulty` has to be skipped to reach `number`. The
 * prefix bytes of the fields passed over are checked so that a payload of another shape is
 * rejected instead of misread. From `difficulty` on, every item up to the end of the list is
 * walked as a canonical RLP byte string, so the parser accepts exactly the payloads a strict RLP
 * decoder (ethereumjs RLP, checked by a differential fuzz test) reads as a list of at least
 * {MIN_FIELDS} byte strings of a header's field sizes. Works for every fork's header (fields
 * after `number` are checked for shape but not read).
 */
library BlockHeaderRLP {
    /// @dev RLP prefix of a 32-byte string (parentHash, ommersHash, stateRoot, ...).
    uint8 private constant HASH_PREFIX = 0xa0;
    /// @dev RLP prefix of a 20-byte string (coinbase).
    uint8 private constant ADDRESS_PREFIX = 0x94;
    /// @dev RLP prefix of a string whose length (256, the logs bloom) takes two bytes.
    uint8 private constant BLOOM_PREFIX = 0xb9;
    /// @dev First list prefix with a separate length field (lists longer than 55 bytes).
    uint8 private constant LONG_LIST_PREFIX = 0xf8;
    /// @dev First string prefix with the length folded into the prefix byte.
    uint8 private constant SHORT_STRING_PREFIX = 0x80;
    /// @dev Last short-string prefix (strings up to 55 bytes).
    uint8 private constant SHORT_STRING_MAX = 0xb7;
    /// @dev Longest scalar a header number may take (uint256).
    uint256 private constant MAX_SCALAR_LENGTH = 32;
    /// @dev First list prefix: header fields are byte strings, never lists.
    uint8 private constant LIST_PREFIX = 0xc0;
    /// @dev First prefix of a byte string longer than 55 bytes (its length follows in big-endian).
    uint8 private constant LONG_STRING_PREFIX = 0xb8;
    /// @dev Last prefix of a byte string: every prefix above it starts a list.
    uint8 private constant LONG_STRING_MAX = 0xbf;
    /// @dev Longest string or list whose length is folded into the prefix byte.
    uint256 private constant SHORT_LENGTH_MAX = 55;
    /// @dev Fields of the oldest (Frontier) header: parentHash .. nonce.
    uint256 private constant MIN_FIELDS = 15;
    /// @dev Fields before `difficulty`, at fixed offsets.
    uint256 private constant FIXED_FIELDS = 7;

    /// @dev Offsets relative to the start of the list payload.
    uint256 private constant PARENT_HASH_OFFSET = 0;
    uint256 private constant OMMERS_HASH_OFFSET = 33;
    uint256 private constant COINBASE_OFFSET = 66;
    uint256 private constant STATE_ROOT_OFFSET = 87;
    uint256 private constant TRANSACTIONS_ROOT_OFFSET = 120;
    uint256 private constant RECEIPTS_ROOT_OFFSET = 153;
    uint256 private constant BLOOM_OFFSET = 186;
    uint256 private constant DIFFICULTY_OFFSET = 445;
    /// @dev Bytes an RLP 32-byte string takes with its prefix.
    uint256 private constant HASH_ITEM_LENGTH = 33;
    /// @dev The logs bloom's length, as written in its two length bytes.
    uint16 private constant BLOOM_LENGTH = 256;

    /**
     * @notice Decode the fields the AnchorHub links on.
     * @param header the RLP-encoded header
     * @return ok false if `header` is not an RLP list of the header's shape
     * @return parentHash the header's parent hash
     * @return stateRoot the header's state root
     * @return number the header's block number
     */
    function parse(
        bytes calldata header
    ) internal pure returns (bool ok, bytes32 parentHash, bytes32 stateRoot, uint256 number) {
        (bool listOk, uint256 p) = _listPayload(header);
        if (!listOk || header.length < p + DIFFICULTY_OFFSET + 2) return (false, 0, 0, 0);
        if (
            uint8(header[p + PARENT_HASH_OFFSET]) != HASH_PREFIX ||
            uint8(header[p + OMMERS_HASH_OFFSET]) != HASH_PREFIX ||
            uint8(header[p + COINBASE_OFFSET]) != ADDRESS_PREFIX ||
            uint8(header[p + STATE_ROOT_OFFSET]) != HASH_PREFIX ||
            uint8(header[p + TRANSACTIONS_ROOT_OFFSET]) != HASH_PREFIX ||
            uint8(header[p + RECEIPTS_ROOT_OFFSET]) != HASH_PREFIX ||
            uint8(header[p + BLOOM_OFFSET]) != BLOOM_PREFIX ||
            uint16(bytes2(header[p + BLOOM_OFFSET + 1:p + BLOOM_OFFSET + 3])) != BLOOM_LENGTH
        ) return (false, 0, 0, 0);

        parentHash = bytes32(header[p + PARENT_HASH_OFFSET + 1:p + PARENT_HASH_OFFSET + HASH_ITEM_LENGTH]);
        stateRoot = bytes32(header[p + STATE_ROOT_OFFSET + 1:p + STATE_ROOT_OFFSET + HASH_ITEM_LENGTH]);

        uint256 next = p + DIFFICULTY_OFFSET;
        uint256 fields = FIXED_FIELDS;
        while (next < header.length) {
            (bool itemOk, uint256 start, uint256 end) = _string(header, next);
            if (!itemOk) return (false, 0, 0, 0);
            // difficulty and number are scalars of at most 32 bytes
            if (fields < FIXED_FIELDS + 2 && end - start > MAX_SCALAR_LENGTH) return (false, 0, 0, 0);
            if (fields == FIXED_FIELDS + 1) {
                for (uint256 i = start; i < end; ++i) number = (number << 8) | uint8(header[i]);
            }
            next = end;
            ++fields;
        }
        if (fields < MIN_FIELDS) return (false, 0, 0, 0);
        return (true, parentHash, stateRoot, number);
    }

    /// @dev Offset of the list payload; false unless `header` is exactly one canonical long RLP list.
    function _listPayload(bytes calldata header) private pure returns (bool ok, uint256 payload) {
        if (header.length == 0) return (false, 0);
        uint8 prefix = uint8(header[0]);
        if (prefix < LONG_LIST_PREFIX) return (false, 0);
        uint256 lengthOfLength = prefix - (LONG_LIST_PREFIX - 1);
        (bool lengthOk, uint256 length) = _longLength(header, 1, lengthOfLength);
        payload = 1 + lengthOfLength;
        return (lengthOk && payload + length == header.length, payload);
    }

    /// @dev The canonical RLP byte string at `offset`: its content's start and end; false for a
    /// list, a non-canonical encoding or one running past the end.
    function _string(bytes calldata header, uint256 offset) private pure returns (bool ok, uint256 start, uint256 end) {
        uint8 prefix = uint8(header[offset]);
        if (prefix < SHORT_STRING_PREFIX) return (true, offset, offset + 1);
        if (prefix > LONG_STRING_MAX) return (false, 0, 0);
        uint256 length;
        if (prefix < LONG_STRING_PREFIX) {
            length = prefix - SHORT_STRING_PREFIX;
            start = offset + 1;
            // a single byte below 0x80 is its own encoding
            if (length == 1 && start < header.length && uint8(header[start]) < SHORT_STRING_PREFIX)
                return (false, 0, 0);
        } else {
            uint256 lengthOfLength = prefix - SHORT_STRING_MAX;
            bool lengthOk;
            (lengthOk, length) = _longLength(header, offset + 1, lengthOfLength);
            if (!lengthOk) return (false, 0, 0);
            start = offset + 1 + lengthOfLength;
        }
        end = start + length;
        if (end > header.length) return (false, 0, 0);
        return (true, start, end);
    }

    /// @dev A long form's length of `lengthOfLength` bytes at `offset`: canonical (no leading zero,
    /// above 55) and small enough to index calldata.
    function _longLength(
        bytes calldata header,
        uint256 offset,
        uint256 lengthOfLength
    ) private pure returns (bool ok, uint256 length) {
        if (lengthOfLength > 8 || header.length < offset + lengthOfLength) return (false, 0);
        if (uint8(header[offset]) == 0) return (false, 0);
        for (uint256 i = offset; i < offset + lengthOfLength; ++i) {
            length = (length << 8) | uint8(header[i]);
        }
        return (length > SHORT_LENGTH_MAX, length);
    }
}
