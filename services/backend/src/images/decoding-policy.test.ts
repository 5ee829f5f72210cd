import { decodeImage } from '@detection/model-server/decode-image';
import { decodingPolicy as modelServerPolicy } from '@detection/model-server/decoding-policy';
import { beforeAll, describe, expect, it } from 'vitest';
import { type HostileImage, hostileCorpus } from '../../test/support/hostile-images.js';
import { ApiError } from '../errors.js';
import { assertDecodable, decodingPolicy } from './decoding-policy.js';
import { probeImage } from './image-probe.js';

const maxPixels = 40_000_000;

/** What the backend does with an upload the model server did not decode: probe the header, then decode. */
async function backendAccepts(image: HostileImage): Promise<boolean> {
  try {
    const probed = await probeImage(image.bytes, maxPixels);
    await assertDecodable(image.bytes, probed.format, maxPixels);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    return false;
  }
}

async function modelServerAccepts(image: HostileImage): Promise<boolean> {
  return decodeImage(image.bytes, { maxPixels }).then(
    () => true,
    (error: unknown) => {
      expect((error as { status?: number }).status).toBe(400);
      return false;
    },
  );
}

describe('one decoding policy for the backend and the model server', () => {
  let corpus: HostileImage[];
  beforeAll(async () => {
    corpus = await hostileCorpus();
  });

  it("Should be the model server's policy, option for option", () => {
    expect(decodingPolicy).toEqual(modelServerPolicy);
  });

  it('Should give the same verdict in both services on every image of the hostile corpus, the one a real decoder gives', async () => {
    const verdicts = [];
    for (const image of corpus) {
      verdicts.push({
        name: image.name,
        backend: await backendAccepts(image),
        modelServer: await modelServerAccepts(image),
      });
    }
    expect(verdicts).toEqual(
      corpus.map((image) => ({ name: image.name, backend: image.decodes, modelServer: image.decodes })),
    );
  });

  it('Should name what the decoder found wrong', async () => {
    const cutWithEnd = corpus.find((image) => image.name === 'a JPEG cut at 60 % with FF D9 appended')!;
    await expect(assertDecodable(cutWithEnd.bytes, 'jpeg', maxPixels)).rejects.toThrow(
      /^the JPEG image cannot be decoded \(truncated or corrupt\): VipsJpeg: Corrupt JPEG data: premature end of data segment$/,
    );
  });
});
