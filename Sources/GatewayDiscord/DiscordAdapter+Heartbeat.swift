import GatewayNetworking
import GatewayCore
import Logging

extension DiscordAdapter {
    /// Starts the heartbeat loop on the injected clock (HELLO just arrived).
    func startHeartbeat(intervalMillis: Int64) {
        heartbeat = HeartbeatSchedule(
            helloAt: context.clock.nowMillis(), intervalMillis: intervalMillis, jitter: Double.random(in: 0..<1))
        heartbeatTask = Task { await self.heartbeatLoop() }
    }

    /// Sleeps until the next heartbeat is due, then sends it — or, when the previous one was never acknowledged,
    /// closes the zombie connection with a resumable code so `run()` throws `network` and the next attempt RESUMEs.
    private func heartbeatLoop() async {
        while !Task.isCancelled {
            guard let due = heartbeat?.nextDueAt else { return }
            do { try await context.clock.sleep(untilMillis: due) } catch { return }
            guard !Task.isCancelled, !tornDown, var schedule = heartbeat else { return }
            let action = schedule.due(now: context.clock.nowMillis())
            heartbeat = schedule
            switch action {
            case .send:
                logger.trace("heartbeat", metadata: ["discord.seq": "\(seq.map(String.init) ?? "-")"])
                // A failed write shows up as the socket closing; the receive loop reports it.
                try? await socket?.send(GatewayFrame.heartbeat(seq: seq).text)
            case .zombie:
                logger.warning("no heartbeat ACK since the last heartbeat: closing the zombie connection", metadata: [
                    "discord.heartbeat_interval": "\(schedule.intervalMillis)",
                ])
                ending = DiscordFailures.zombie.error(
                    detail: "no ACK within \(DurationText.describe(millis: schedule.intervalMillis))")
                await socket?.close()
                return
            }
        }
    }
}
