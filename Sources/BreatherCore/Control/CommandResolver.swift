/// Turns a control request into a typed `BreakCommand`, or the one sentence that says why it
/// cannot be one: the plan or code word looked up, the durations parsed once.
public enum CommandResolver {
    /// nil for the operations that are not commands on the break (status, reload, test, ping).
    public static func command(
        for request: ControlRequest, in configuration: Configuration, newBreakId: () -> String
    ) -> Result<BreakCommand, ControlError>? {
        switch request.op {
        case .start: return start(request, configuration, newBreakId)
        case .back: return .success(.back)
        case .cancel: return .success(.cancel)
        case .extend:
            guard let text = request.duration, let span = Span(duration: text) else {
                return .failure(
                    ControlError(
                        code: .invalidArgument,
                        message: "\"\(request.duration ?? "")\" is not a duration; write it like 10m, 90s or 1h."
                    ))
            }
            return .success(.extend(span))
        case .status, .reload, .test, .ping, .checkChannel:
            return nil
        }
    }

    private static func start(
        _ request: ControlRequest, _ configuration: Configuration, _ newBreakId: () -> String
    ) -> Result<BreakCommand, ControlError> {
        guard let word = request.plan ?? configuration.settings.defaultPlan else {
            return .failure(
                ControlError(
                    code: .unknownPlan,
                    message:
                        "No plan was named and breather.toml sets no default_plan; name one, such as `breather start cool-down` (`breather plans` lists them)."
                ))
        }
        guard let plan = configuration.plan(named: word) else {
            if let file = configuration.planFiles.first(where: { $0.name == word }),
                let problem = file.diagnostics.first
            {
                return .failure(
                    ControlError(
                        code: .unknownPlan,
                        message:
                            "The plan \"\(word)\" has a problem and cannot start (\(problem)); fix it, run `breather reload`, and try again."
                    ))
            }
            return .failure(
                ControlError(
                    code: .unknownPlan,
                    message: "There is no plan or code word \"\(word)\"; `breather plans` lists them."))
        }
        var duration: Span?
        if let text = request.for {
            guard let span = Span(duration: text) else {
                return .failure(
                    ControlError(
                        code: .invalidArgument,
                        message: "\"\(text)\" is not a duration; write it like 90s, 30m, 1h or 1h30m."
                    ))
            }
            duration = span
        }
        return .success(.start(plan: plan, duration: duration, note: request.note, breakId: newBreakId()))
    }
}
