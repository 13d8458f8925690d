import type { WorkerRelay } from '@kinds/kind-router/cluster'
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry, type RegistryContentType } from 'prom-client'
import { METRICS_TOPIC } from './cluster-stats.js'

/**
 * /metrics of a cluster: every worker's registry as JSON, aggregated by
 * prom-client's AggregatorRegistry (counters and histograms summed, each
 * metric as its `aggregator` says), in the registry's own format.
 */
// prom-client's typings leave out the second parameter, the registry's content type.
const aggregate = AggregatorRegistry.aggregate as (metrics: object[], contentType: RegistryContentType) => Registry

export function clusterMetrics (relay: WorkerRelay, registry: Registry<RegistryContentType>): { render: () => Promise<string>, stop: () => void } {
  const stop = relay.answer(METRICS_TOPIC, () => registry.getMetricsAsJSON())
  const render = async (): Promise<string> => {
    const gathered = await relay.gather<Array<MetricObjectWithValues<MetricValue<string>>>>(METRICS_TOPIC)
    const answers = gathered.flatMap(g => g.value === undefined ? [] : [g.value])
    // Not one worker answered (the primary is going away): this one's own figures are better than none.
    if (answers.length === 0) return registry.metrics()
    return aggregate.call(AggregatorRegistry, answers, registry.contentType).metrics()
  }
  return { render, stop }
}
