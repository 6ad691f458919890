// Stands in for the UDF compiler's parsers inside the Flink runner, which only runs modules compiled ahead.
function unavailable() {
  throw new Error('the Flink runner runs UDF modules compiled ahead by Weir; it has no compiler of its own');
}
export const transform = unavailable;
export const parse = unavailable;
