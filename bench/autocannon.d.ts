// The part of autocannon's API (npm, no bundled types) that bench/serve-load.ts and the heavy serve tests use.
declare module 'autocannon' {
  interface Request { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }
  interface Options {
    url: string; connections?: number; duration?: number; amount?: number; pipelining?: number; timeout?: number;
    requests?: Request[]; headers?: Record<string, string>; method?: string; body?: string | Buffer;
  }
  interface Histogram { average: number; mean: number; stddev: number; min: number; max: number; p50: number; p90: number; p99: number; p99_9: number }
  interface Result {
    duration: number; errors: number; timeouts: number; non2xx: number; '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number;
    latency: Histogram; requests: Histogram; throughput: Histogram;
  }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
