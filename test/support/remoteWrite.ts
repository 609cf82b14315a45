/**
 * Reading Prometheus remote-write requests (protocol 1.0) in tests that stand in for Mimir's
 * distributor: the snappy block decompression and the protobuf WriteRequest's series labels.
 */

/**
 * Snappy's block format (what Prometheus' remote write compresses with): a varint length, then
 * literals and back-references. Enough to read the label values in the protobuf that follows.
 */
export function unsnappy(input: Buffer): Buffer {
    let pos = 0;
    let length = 0;
    for (let shift = 0; ; shift += 7) {
        const byte = input[pos++];
        length |= (byte & 0x7f) << shift;
        if (!(byte & 0x80)) break;
    }
    const out = Buffer.alloc(length);
    let at = 0;
    while (pos < input.length) {
        const tag = input[pos++];
        if ((tag & 3) === 0) {
            let size = tag >> 2;
            if (size >= 60) {
                const bytes = size - 59;
                size = 0;
                for (let i = 0; i < bytes; i++) size |= input[pos++] << (8 * i);
            }
            size += 1;
            input.copy(out, at, pos, pos + size);
            pos += size;
            at += size;
            continue;
        }
        let size: number;
        let offset: number;
        if ((tag & 3) === 1) {
            size = ((tag >> 2) & 7) + 4;
            offset = ((tag >> 5) << 8) | input[pos++];
        } else if ((tag & 3) === 2) {
            size = (tag >> 2) + 1;
            offset = input.readUInt16LE(pos);
            pos += 2;
        } else {
            size = (tag >> 2) + 1;
            offset = input.readUInt32LE(pos);
            pos += 4;
        }
        for (let i = 0; i < size; i++, at++) out[at] = out[at - offset];
    }
    return out;
}

/** Reads a protobuf varint at `pos`: its value and the position after it. */
function varint(buffer: Buffer, pos: number): [number, number] {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
        const byte = buffer[pos++];
        value += (byte & 0x7f) * 2 ** shift;
        if (!(byte & 0x80)) return [value, pos];
    }
}

/** The length-delimited fields (wire type 2) of a protobuf message, by field number; other wire types are skipped. */
function fields(message: Buffer): { field: number; bytes: Buffer }[] {
    const out: { field: number; bytes: Buffer }[] = [];
    let pos = 0;
    while (pos < message.length) {
        const [key, afterKey] = varint(message, pos);
        const field = Math.floor(key / 8);
        const wire = key % 8;
        pos = afterKey;
        if (wire === 2) {
            const [length, start] = varint(message, pos);
            out.push({ field, bytes: message.subarray(start, start + length) });
            pos = start + length;
        } else if (wire === 0) {
            pos = varint(message, pos)[1];
        } else if (wire === 1) {
            pos += 8;
        } else if (wire === 5) {
            pos += 4;
        } else {
            throw new Error(`protobuf wire type ${wire} is not in a remote-write request`);
        }
    }
    return out;
}

/**
 * The label sets of every series in a decompressed WriteRequest (prompb/remote.proto:
 * `repeated TimeSeries timeseries = 1`; types.proto: TimeSeries `repeated Label labels = 1`,
 * Label `string name = 1; string value = 2`).
 */
export function seriesLabels(writeRequest: Buffer): Record<string, string>[] {
    return fields(writeRequest)
        .filter(({ field }) => field === 1)
        .map(({ bytes }) =>
            Object.fromEntries(
                fields(bytes)
                    .filter(({ field }) => field === 1)
                    .map(({ bytes: label }) => {
                        const parts = fields(label);
                        const text = (n: number) => parts.find(({ field }) => field === n)?.bytes.toString("utf8") ?? "";
                        return [text(1), text(2)];
                    }),
            ),
        );
}
