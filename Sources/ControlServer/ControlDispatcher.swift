import ControlProtocol

/// Turns a parsed request into the handler call and the reply, plus what the connection must do
/// next (start a subscription, stop the daemon). Separate from the socket code so the mapping is
/// tested without one.
struct ControlDispatcher {
    enum Effect: Equatable {
        case none
        /// Status replies under the request's id every `interval` seconds from now on.
        case subscribe(interval: Double)
        /// Call `handler.shutdown()` once the reply has been queued.
        case shutdown
    }

    let handler: any ControlHandler

    func reply(to request: ControlRequest) -> (ControlReply, Effect) {
        var effect = Effect.none
        let outcome: Result<JSONValue, ControlError>
        do throws(ControlError) {
            outcome = .success(try result(of: request.method, effect: &effect))
        } catch {
            outcome = .failure(error)
        }
        return (ControlReply(id: request.id, outcome: outcome, warnings: request.warnings), effect)
    }

    private func result(of method: ControlMethod, effect: inout Effect) throws(ControlError) -> JSONValue {
        switch method {
        case .ping:
            return .object(["pong": true, "version": .integer(ControlProtocol.version)])
        case .status:
            return handler.status().json
        case .get(let name):
            let parameters = handler.parameters()
            guard let name else { return parameters.json }
            return .object([JSONMember(name.rawValue, parameters.value(of: name))])
        case .set(let changes):
            return try handler.set(changes).json
        case .route(let source, let channels):
            return try handler.set([.route(source: source, channels: channels)]).json
        case .target(let choice):
            return try handler.target(choice)?.json ?? .null
        case .reset:
            try handler.reset()
            return .object([:])
        case .saveState(let path):
            try handler.saveState(path: path)
            return .object(["path": .string(path)])
        case .loadState(let path):
            try handler.loadState(path: path)
            return .object(["path": .string(path)])
        case .subscribe(let interval):
            effect = .subscribe(interval: interval)
            return handler.status().json
        case .observe:
            return try handler.observe().json
        case .reload:
            return .object(["summary": .string(try handler.reload())])
        case .shutdown:
            effect = .shutdown
            return .object([:])
        }
    }
}
