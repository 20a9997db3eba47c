import { createReadStream } from 'node:fs';
import { Auditor, type AuditOptions, type AuditReport } from './audit.js';
import { CaptureReader } from './pcap.js';
import type { CaptureFormat, CaptureProblem } from './types.js';

export interface FileAudit {
  format: CaptureFormat | null;
  report: AuditReport;
  problems: CaptureProblem[];
  problemsOmitted: number;
}

/**
 * Streams a capture file through the reader and the auditor in 256 KiB chunks: memory is bounded by
 * one record and the report rows, not by the file size. Rejects only when the file cannot be opened
 * or read (ENOENT, EACCES, EISDIR); damage inside the file becomes `problems`.
 */
export async function auditFile(path: string, options: AuditOptions): Promise<FileAudit> {
  const reader = new CaptureReader();
  const auditor = new Auditor(options);
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  for await (const chunk of stream) {
    for (const p of reader.push(chunk as Buffer)) auditor.add(p);
  }
  reader.end();
  return { format: reader.format, report: auditor.report(), problems: reader.problems, problemsOmitted: reader.problemsOmitted };
}
