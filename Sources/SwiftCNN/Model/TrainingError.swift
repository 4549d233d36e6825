/// Why training stopped before it finished.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss of a batch was NaN or infinite, so the weights can no longer be trusted — usually a
    /// learning rate too large. `epoch` and `batch` count from 0.
    case nonFiniteLoss(epoch: Int, batch: Int)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, batch):
            return "training stopped: the loss became NaN or infinite in epoch \(epoch + 1), batch \(batch + 1) "
                + "(try a smaller learning rate)"
        }
    }
}
