/**
 * The request digests of docs/audit-format.md §1.5, exactly: the http_request example
 * (its shape unchanged since receipts existed for it alone, so old receipts keep their
 * digest), and the run_command and downstream examples, each parsed by the strict schema
 * and hashed as the gateway and the verifier hash them. A request of one tool with
 * another tool's members is refused.
 */
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { approvalClientDataHash, approvalRequestDigest, envNamesHash, jcsHash, sha256Hex } from '../../../src/core/audit/receipt';
import { approvalRequestSchema } from '../../../src/shared/contracts/approval-receipt';

const common = { v: 1, agent: 'Yx3m', time: '2026-01-02T03:04:05.678Z', nonce: 'AAECAwQFBgcICQoLDA0ODw' } as const;

describe('receipt request digests match the documented examples for every tool', () => {
  it('http_request (the original shape)', () => {
    const r = approvalRequestSchema.parse({
      ...common,
      itemId: 'AAAAAAAAAAAAAAAAAAAAAA',
      tool: 'http_request',
      method: 'POST',
      origin: 'https://api.example.com',
      urlHash: sha256Hex(utf8ToBytes('https://api.example.com/v1/deploy?ref=main')),
      headersHash: jcsHash({ 'content-type': 'application/json' }),
      bodyHash: sha256Hex(utf8ToBytes('{"a":1}')),
      bodyBytes: 7,
    });
    expect(approvalRequestDigest(r)).toBe('77b8ebb113ff87eff2529bf1c4248fc1c1ed7d48da8aa98ffb68281a4255799c');
    expect(bytesToHex(approvalClientDataHash(approvalRequestDigest(r)))).toBe('9cc2e38482fcf398d08f018a630542ad46ae158860dab4f5148131eb726b48ee');
  });

  it('run_command', () => {
    const argvHash = jcsHash(['/usr/bin/node', 'deploy.js', '--env', 'prod']);
    expect(argvHash).toBe('99c0c97747a94197878e029690c7722ebac9c29dc15d2aaa0b8e09ee67a04304');
    // Sorted, without repeats: the order the agent listed the variables in does not matter.
    expect(envNamesHash(['DEPLOY_TOKEN', 'DEPLOY_TOKEN'])).toBe('4fa3f445f89b4dbbb7457e95113c5fe520588c4402acf74b7626e1dd8db089d7');
    expect(envNamesHash(['B', 'A'])).toBe(jcsHash(['A', 'B']));
    const r = approvalRequestSchema.parse({
      ...common,
      itemId: 'AAAAAAAAAAAAAAAAAAAAAA',
      tool: 'run_command',
      command: 'node',
      argvHash,
      envHash: envNamesHash(['DEPLOY_TOKEN']),
      cwdHash: sha256Hex(utf8ToBytes('/srv/app')),
    });
    expect(approvalRequestDigest(r)).toBe('ac46191f6e7d3c63e54eb471625bb63afb9671b8ea578e56e030f1f2ec5d658c');
    expect(bytesToHex(approvalClientDataHash(approvalRequestDigest(r)))).toBe('32aa1794aca43eec4369fa09126a4460b1c631e5994082edece8bdf31940918a');
  });

  it('downstream', () => {
    const r = approvalRequestSchema.parse({
      ...common,
      tool: 'downstream',
      server: 'github',
      serverTool: 'create_issue',
      argumentsHash: jcsHash({ title: 'Fix login', labels: ['bug'] }),
    });
    expect(approvalRequestDigest(r)).toBe('5f0b06dd27d67515eb93680f34fcd54f6dd8615e702c3dfce1403f0cf08f8387');
    expect(jcsHash({})).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  it("a request with another tool's members, or an unknown tool, is refused", () => {
    const run = { ...common, itemId: 'AAAAAAAAAAAAAAAAAAAAAA', tool: 'run_command', command: 'node', argvHash: jcsHash([]), envHash: jcsHash([]) };
    expect(approvalRequestSchema.safeParse(run).success).toBe(true);
    expect(approvalRequestSchema.safeParse({ ...run, method: 'POST' }).success).toBe(false);
    expect(approvalRequestSchema.safeParse({ ...run, tool: 'http_request' }).success).toBe(false);
    expect(approvalRequestSchema.safeParse({ ...run, tool: 'latchkey_run' }).success).toBe(false);
    expect(approvalRequestSchema.safeParse({ ...run, command: 'my tool' }).success).toBe(false);
  });
});
