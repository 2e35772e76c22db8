import Exporter
import Testing

@Suite("--synthetic.shard: i/n, or auto/n from a StatefulSet pod's ordinal")
struct ShardTests {
    @Test("auto/n takes the ordinal after the pod name's last dash; i/n is as given", arguments: [
        ("auto/3", "featureflag-exporter-0", "0/3"), ("auto/3", "featureflag-exporter-2", "2/3"),
        ("auto/1", "web-0", "0/1"), ("1/4", "anything", "1/4"), ("auto/12", "a-b-c-11", "11/12"),
    ])
    func resolves(text: String, pod: String, shard: String) throws {
        #expect(try PopulationShard.resolve(text, podName: pod).get().description == shard)
    }

    @Test("a pod name without an ordinal, or an ordinal past n, is an error that says what to do", arguments: [
        ("auto/3", "laptop", "--synthetic.shard auto/3: the pod name 'laptop' does not end in -<ordinal> as a StatefulSet's pods do; set POD_NAME or give i/3"),
        ("auto/3", "featureflag-exporter-3", "--synthetic.shard auto/3: pod 'featureflag-exporter-3' has ordinal 3, but there are only 3 shards; make the StatefulSet's replicas and n agree"),
        ("auto/0", "x-0", "--synthetic.shard 'auto/0' is not i/n with 0 <= i < n, or auto/n"),
        ("3/3", "x-0", "--synthetic.shard '3/3' is not i/n with 0 <= i < n, or auto/n"),
        ("auto/3", "pod-", "--synthetic.shard auto/3: the pod name 'pod-' does not end in -<ordinal> as a StatefulSet's pods do; set POD_NAME or give i/3"),
    ])
    func refuses(text: String, pod: String, message: String) {
        guard case .failure(let error) = PopulationShard.resolve(text, podName: pod) else {
            Issue.record("\(text) for \(pod) should be refused")
            return
        }
        #expect(error.description == message)
    }
}
