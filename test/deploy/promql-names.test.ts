// The metric-name extractor that holds alerts.yml and the dashboard to GET /metrics: it must find
// every name (or the check passes vacuously) and nothing else (or it fails on label names and functions).
import { describe, expect, test } from "bun:test";
import { exposedNames, metricNames, unknownNames } from "./promql-names.ts";

describe("metricNames", () => {
  test("a histogram quantile: the bucket series, not the function, the label list or the matcher's labels", () => {
    expect(metricNames('histogram_quantile(0.99, sum by (job, instance, ack, le) (rate(tickgate_request_ack_seconds_bucket{route="/v1/ticks", ack="kafka"}[1m]))) > 0.05'))
      .toEqual(["tickgate_request_ack_seconds_bucket"]);
    expect(metricNames("count without (worker) (k_up == 0) + topk by (a) (3, m)")).toEqual(["k_up", "m"]);
  });

  test("binary operators, vector matching, offset, bool and set operators", () => {
    const expr = "sum(rate(a_total[5m] offset 1h)) by (instance) / ignoring(x) group_left(y) b_bytes > bool 0 and on(instance) c unless d or without_e";
    expect(metricNames(expr)).toEqual(["a_total", "b_bytes", "c", "d", "without_e"]);
  });

  test("Grafana variables, strings that hold braces, durations and numbers are skipped", () => {
    expect(metricNames('rate(x_total{instance=~"$instance", job="a}b"}[$__rate_interval]) * 1e3 + 0.5 - ${factor}')).toEqual(["x_total"]);
    expect(metricNames('label_replace(up{job="t"}, "dst", "$1", "src", "(.*)") + 1h30m')).toEqual(["up"]);
    expect(metricNames("max_over_time(g[1h:5m]) > Inf or vector(0)")).toEqual(["g"]);
  });

  test("recording-rule names (with colons), bare selectors, and each name once", () => {
    expect(metricNames("instance:tickgate_reject_ratio:rate5m > 2 * instance:tickgate_reject_ratio:rate1h")).toEqual([
      "instance:tickgate_reject_ratio:rate5m",
      "instance:tickgate_reject_ratio:rate1h",
    ]);
    expect(metricNames("up == 0")).toEqual(["up"]);
    expect(metricNames("a / a")).toEqual(["a"]);
    expect(metricNames("tickgate_ring_used_bytes / tickgate_ring_capacity_bytes > 0.8")).toEqual(["tickgate_ring_used_bytes", "tickgate_ring_capacity_bytes"]);
  });
});

describe("exposedNames and unknownNames", () => {
  const text = [
    "# HELP c_total a counter",
    "# TYPE c_total counter",
    'c_total{x="1"} 3',
    "# TYPE h_seconds histogram",
    'h_seconds_bucket{le="+Inf"} 1',
    "# TYPE g gauge",
  ].join("\n");

  test("a histogram is selected by its _bucket/_sum/_count series, not its family name", () => {
    expect([...exposedNames(text)].sort()).toEqual(["c_total", "g", "h_seconds_bucket", "h_seconds_count", "h_seconds_sum"]);
  });

  test("a misspelt or bare histogram name is reported, an allowed one is not", () => {
    const used = metricNames("rate(c_totl[5m]) + h_seconds + rate(h_seconds_count[1m]) + up");
    expect(unknownNames(used, exposedNames(text), new Set(["up"]))).toEqual(["c_totl", "h_seconds"]);
  });
});
