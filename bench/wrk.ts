// The wrk load generator for bench:http: writes the Lua script that builds
// each create_order request (a bearer token per user, orders around a mid),
// runs wrk as a child process, and reads the figures its done() hook prints.
//
// wrk is a C program (Debian: `apt-get install wrk`); on this 2-core machine
// it costs the server far less CPU than a JavaScript client does. With a
// target rate the script paces requests evenly (one shared schedule per wrk
// thread, from CLOCK_MONOTONIC through LuaJIT's ffi), instead of bursts.

import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WrkResult {
  requests: number;
  /** Answers with a status of 400 or more. */
  non2xx: number;
  /** connect, read, write and timeout errors. */
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  p999: number;
}

/** True when a `wrk` binary answers on PATH. */
export function wrkAvailable(): boolean {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return r.error === undefined && `${r.stdout}${r.stderr}`.includes('wrk');
}

/** The body of request i: alternating sides a few ticks apart around 30000, so about half of them trade. */
export function orderBody(i: number): string {
  const side = i % 2 === 0 ? 'BUY' : 'SELL';
  const ticks = (i * 7919) % 21;
  const price = side === 'BUY' ? 30000 - 10 + ticks : 30000 + 10 - ticks;
  return `{"symbol":"BTC_USDT","side":"${side}","order_type":"LIMIT","price":"${price}.00","qty":"0.0${1 + (i % 9)}"}`;
}

const LUA = `
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } fsbench_timespec; int clock_gettime(int, fsbench_timespec *); ]]
local tsbuf = ffi.new("fsbench_timespec")
local function now_ms() ffi.C.clock_gettime(1, tsbuf); return tonumber(tsbuf.tv_sec) * 1000 + tonumber(tsbuf.tv_nsec) / 1e6 end

local auth = {}
for line in io.lines(AUTH_FILE) do auth[#auth + 1] = line end
local n = 0

request = function()
  local i = n
  n = n + 1
  local side, price
  local ticks = (i * 7919) % 21
  if i % 2 == 0 then side = "BUY"; price = 30000 - 10 + ticks else side = "SELL"; price = 30000 + 10 - ticks end
  local body = string.format('{"symbol":"BTC_USDT","side":"%s","order_type":"LIMIT","price":"%d.00","qty":"0.0%d"}',
    side, price, 1 + (i % 9))
  local headers = { ["content-type"] = "application/json" }
  local a = auth[(i % #auth) + 1]
  if a ~= "" then headers["authorization"] = a end
  return wrk.format("POST", PATH, headers, body)
end

if RATE > 0 then
  -- One schedule for all of this thread's connections: request k leaves at start + k / RATE.
  local interval = 1000 / RATE
  local next_at = nil
  delay = function()
    local t = now_ms()
    if next_at == nil or next_at < t - 100 then next_at = t end
    next_at = next_at + interval
    local d = next_at - t
    if d < 1 then return 0 end
    return math.floor(d)
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('FSBENCH {"requests":%d,"non2xx":%d,"errors":%d,"us":%d,"p50":%d,"p99":%d,"p999":%d}\\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
`;

/**
 * Writes the script and the authorization file into `dir`; returns the script's path. `auth` holds one
 * Authorization header value per user ('' for none); request i uses auth[i % auth.length].
 */
export function writeWrkScript(dir: string, name: string, path: string, auth: readonly string[], rate: number): string {
  const authFile = join(dir, `${name}.auth`);
  writeFileSync(authFile, auth.join('\n') + '\n');
  const script = join(dir, `${name}-${rate}.lua`);
  const header =
    `AUTH_FILE = ${JSON.stringify(authFile)}\n` + `PATH = ${JSON.stringify(path)}\n` + `RATE = ${Math.max(0, rate)}\n`;
  writeFileSync(script, header + LUA);
  return script;
}

/** Runs wrk (one thread) against `base` with the script; resolves with its figures (latencies in ms). */
export function runWrk(base: string, script: string, connections: number, seconds: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, base], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('FSBENCH '));
      if (code !== 0 || line === undefined) return reject(new Error(`wrk exited with ${code}: ${out.trim()}`));
      const r = JSON.parse(line.slice('FSBENCH '.length)) as Record<string, number>;
      const ms = (us: number | undefined) => Math.round((us ?? 0) / 10) / 100;
      resolve({
        requests: r['requests'] ?? 0,
        non2xx: r['non2xx'] ?? 0,
        errors: r['errors'] ?? 0,
        seconds: (r['us'] ?? 1) / 1e6,
        p50: ms(r['p50']),
        p99: ms(r['p99']),
        p999: ms(r['p999']),
      });
    });
  });
}
