/**
 * Pure rules, no server: the three-way field merge never drops a one-sided edit and
 * reports every two-sided one; a manifest signature breaks when any entry changes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkStateCoversManifest, mergeFields, signManifest, verifyManifestSignature, type FieldMap } from '../../../src/core/sync';
import { newSigner } from '../server/helpers';

const fieldMap = fc.dictionary(fc.constantFrom('title', 'user', 'password', 'url', 'notes'), fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: 0, max: 3 })));

describe('three-way field merge', () => {
  it('keeps every field changed on one side only, and reports every field changed differently on both', () => {
    fc.assert(
      fc.property(fieldMap, fieldMap, fieldMap, (base: FieldMap, local: FieldMap, remote: FieldMap) => {
        const { merged, conflicts } = mergeFields(base, local, remote);
        const eq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
        for (const k of new Set([...Object.keys(base), ...Object.keys(local), ...Object.keys(remote)])) {
          const [b, l, r] = [base[k], local[k], remote[k]];
          if (!eq(l, b) && eq(r, b)) expect(merged[k]).toEqual(l);
          if (eq(l, b) && !eq(r, b)) expect(merged[k]).toEqual(r);
          if (!eq(l, b) && !eq(r, b) && !eq(l, r)) expect(conflicts).toContain(k);
          if (eq(l, r)) expect(merged[k]).toEqual(l);
        }
      }),
    );
  });
});

describe('vault manifest', () => {
  const ids = { orgId: '00000000-0000-4000-8000-000000000001', userId: '00000000-0000-4000-8000-000000000002', deviceId: '00000000-0000-4000-8000-000000000003' };

  it('a manifest with any entry changed no longer verifies', async () => {
    const signer = newSigner();
    const signed = await signManifest(
      {
        ...ids,
        seq: 3,
        time: 1,
        entries: new Map([
          ['b', 2],
          ['a', 1],
        ]),
      },
      signer,
    );
    expect(signed.manifest.entries).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(verifyManifestSignature(signed, signer.publicKey)).toBe(true);
    const lowered = {
      ...signed,
      manifest: {
        ...signed.manifest,
        entries: [
          ['a', 1],
          ['b', 1],
        ] as [string, number][],
      },
    };
    expect(verifyManifestSignature(lowered, signer.publicKey)).toBe(false);
    expect(verifyManifestSignature(signed, newSigner().publicKey)).toBe(false);
  });

  it('a state missing a listed record or holding an older version is a rollback', async () => {
    const signed = await signManifest(
      {
        ...ids,
        seq: 3,
        time: 1,
        entries: [
          ['a', 2],
          ['b', 1],
        ],
      },
      newSigner(),
    );
    expect(() => checkStateCoversManifest(signed.manifest, (id) => ({ a: 2, b: 1 })[id])).not.toThrow();
    expect(() => checkStateCoversManifest(signed.manifest, (id) => ({ a: 1, b: 1 })[id])).toThrow(expect.objectContaining({ code: 'rollback_detected' }));
    expect(() => checkStateCoversManifest(signed.manifest, (id) => (({ a: 2 }) as Record<string, number>)[id])).toThrow(expect.objectContaining({ code: 'rollback_detected' }));
  });
});
