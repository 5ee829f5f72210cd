import { describe, expect, it } from 'vitest';
import { ProtobufWriter } from './protobuf-writer.js';

const hex = (writer: ProtobufWriter) => Buffer.from(writer.finish()).toString('hex');

describe('ProtobufWriter', () => {
  it('Should encode varints as in the protobuf encoding guide', () => {
    expect(hex(new ProtobufWriter().int64(1, 150))).toBe('089601');
    expect(hex(new ProtobufWriter().int64(1, 0))).toBe('0800');
    expect(hex(new ProtobufWriter().int64(2, 300))).toBe('10ac02');
  });

  it('Should encode negative int64 as ten-byte two’s complement', () => {
    expect(hex(new ProtobufWriter().int64(1, -1))).toBe('08ffffffffffffffffff01');
  });

  it('Should encode strings, bytes and nested messages length-delimited', () => {
    expect(hex(new ProtobufWriter().string(2, 'testing'))).toBe('120774657374696e67');
    expect(hex(new ProtobufWriter().message(3, (m) => m.int64(1, 150)))).toBe('1a03089601');
  });

  it('Should encode floats as little-endian fixed32 and packed repeated fields', () => {
    expect(hex(new ProtobufWriter().float(2, 1))).toBe('150000803f');
    expect(hex(new ProtobufWriter().packedInt64(4, [3, 270, 86942]))).toBe('2206038e029ea705');
    expect(hex(new ProtobufWriter().packedFloat(7, [1, -2]))).toBe('3a080000803f000000c0');
  });
});
