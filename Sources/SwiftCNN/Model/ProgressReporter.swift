import Foundation

/// Prints training progress to standard output: a progress bar redrawn in place (on a terminal) and one
/// line per epoch.
///
/// The epoch line reads `epoch 1/5  loss 0.1523  acc 95.41%  val_loss 0.0512  val_acc 98.35%  12.3 s`.
final class ProgressReporter: TrainingCallback {
    private let showsBar: Bool
    private let epochCount: Int
    private var epochClock = Stopwatch()
    /// When the bar was last drawn, so redrawing costs nothing measurable however short the batches.
    private var lastDraw = -Double.infinity
    private static let redrawInterval = 0.1
    private static let barWidth = 24

    /// A reporter for `verbosity` in a run of `epochCount` epochs, or nil when it prints nothing.
    init?(verbosity: Verbosity, epochCount: Int) {
        self.epochCount = epochCount
        switch verbosity {
        case .quiet: return nil
        case .perEpoch: showsBar = false
        case .progressBar: showsBar = true
        case .automatic: showsBar = isatty(STDOUT_FILENO) != 0
        }
    }

    func onEpochBegin(_ epoch: Int, model: Model) {
        epochClock.restart()
        lastDraw = -Double.infinity
    }

    func onBatchEnd(_ record: BatchRecord, model: Model) {
        guard showsBar else { return }
        let elapsed = epochClock.seconds
        let isLast = record.batch + 1 == record.batchCount
        guard isLast || elapsed - lastDraw >= Self.redrawInterval else { return }
        lastDraw = elapsed
        write("\r" + Self.barLine(record, elapsed: elapsed) + "\u{1B}[K")
    }

    func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction {
        write((showsBar ? "\r" : "") + Self.epochLine(record, epochCount: epochCount) + (showsBar ? "\u{1B}[K\n" : "\n"))
        return .proceed
    }

    /// `epoch 1/5  312/938 [========>...............]  loss 0.2345  acc 93.12%  4210 img/s  ETA 9 s`
    static func barLine(_ record: BatchRecord, elapsed: Double) -> String {
        let done = record.batch + 1
        let filled = barWidth * done / record.batchCount
        let bar = String(repeating: "=", count: max(0, filled - 1)) + (filled > 0 ? (done == record.batchCount ? "=" : ">") : "")
            + String(repeating: ".", count: barWidth - filled)
        let rate = elapsed > 0 ? Double(record.epochSamples) / elapsed : 0
        let remaining = elapsed / Double(done) * Double(record.batchCount - done)
        return "epoch \(record.epoch + 1)/\(record.epochCount)  \(done)/\(record.batchCount) [\(bar)]  "
            + "loss \(fixed(record.epochLoss, 4))  acc \(percent(record.epochAccuracy))  "
            + "\(Int(rate.rounded())) img/s  ETA \(Int(remaining.rounded(.up))) s"
    }

    static func epochLine(_ record: EpochRecord, epochCount: Int) -> String {
        var line = "epoch \(record.epoch + 1)/\(epochCount)  loss \(fixed(record.loss, 4))  acc \(percent(record.accuracy))"
        if let loss = record.validationLoss, let accuracy = record.validationAccuracy {
            line += "  val_loss \(fixed(loss, 4))  val_acc \(percent(accuracy))"
        }
        return line + "  \(fixed(Float(record.seconds), 1)) s"
    }

    private static func fixed(_ value: Float, _ digits: Int) -> String {
        String(format: "%.\(digits)f", Double(value))
    }

    private static func percent(_ fraction: Float) -> String {
        String(format: "%.2f%%", Double(fraction) * 100)
    }

    private func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }
}
