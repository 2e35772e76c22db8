public import Telemetry

extension ExporterTelemetry {
    /// The text exposition at `now` as a push sends it: mirrored counts handed over first, so that a push (the last
    /// one at shutdown included) carries everything counted. A scrape renders without handing over (it only reads).
    public func exposition(flushing mirror: MirrorEvaluator?, now: Double) -> [UInt8] {
        mirror?.flush()
        return render(now: now)
    }
}
