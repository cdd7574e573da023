// Buffered, synchronous writing of text to a file: many small strings in, ~1 MB writes out.

import { closeSync, openSync, writeSync } from 'node:fs';

const FLUSH_AT = 1 << 20;

export class FileSink {
  private readonly fd: number;
  private buf = '';

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(text: string): void {
    this.buf += text;
    if (this.buf.length >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.buf.length > 0) {
      writeSync(this.fd, this.buf);
      this.buf = '';
    }
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
