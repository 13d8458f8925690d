// The part of autocannon's programmatic API the benchmarks use (it ships no types).
declare module 'autocannon' {
  interface Histogram {
    average: number
    min: number
    max: number
    p50: number
    p99: number
  }

  interface Options {
    url: string
    connections?: number
    pipelining?: number
    /** Seconds. */
    duration?: number
    /** A run before the measured one, not counted. */
    warmup?: { connections?: number, duration?: number }
  }

  interface Result {
    /** Requests per second, one sample a second. */
    requests: Histogram
    /** Milliseconds. */
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
  }

  function autocannon (options: Options): PromiseLike<Result>
  export default autocannon
}
