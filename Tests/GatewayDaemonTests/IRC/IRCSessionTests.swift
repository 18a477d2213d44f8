import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("IRC session")
struct IRCSessionTests {
    static func session() -> IRCSession {
        IRCSession(platform: "chat", nick: "gwbot", channels: ["#test", "#Other"], connectionID: 42)
    }

    static func deliveries(_ actions: [IRCSession.Action]) -> [InboundMessage] {
        actions.compactMap { if case .deliver(let message) = $0 { return message } else { return nil } }
    }

    static func handle(_ s: inout IRCSession, _ line: String) -> [IRCSession.Action] { s.handle(IRCMessage(parsing: line)!) }

    @Test("PRIVMSG to a channel of ours or to our nick is delivered; other targets are not")
    func routing() {
        var s = Self.session()
        let channel = Self.deliveries(Self.handle(&s, ":alice!a@h PRIVMSG #TEST :hi"))
        #expect(channel.map(\.chat) == ["#test"] && channel.map(\.sender) == ["alice"] && channel.map(\.text) == ["hi"])
        #expect(Self.deliveries(Self.handle(&s, ":alice!a@h PRIVMSG #other :case-insensitive")).map(\.chat) == ["#Other"])
        let direct = Self.deliveries(Self.handle(&s, ":bob!b@h PRIVMSG GWBOT :psst"))
        #expect(direct.map(\.chat) == ["bob"] && direct.first?.platform == "chat")
        #expect(Self.deliveries(Self.handle(&s, ":bob!b@h PRIVMSG #elsewhere :no")).isEmpty)
        #expect(Self.deliveries(Self.handle(&s, ":irc.server PRIVMSG")).isEmpty)
        #expect(Self.deliveries(Self.handle(&s, ":bob!b@h NOTICE #test :notices are not messages")).isEmpty)
    }

    @Test("ids: msgid when present; a server-time hash (stable across replays); else a per-connection counter")
    func ids() {
        var s = Self.session()
        let tagged = Self.deliveries(Self.handle(&s, "@msgid=abc123 :a!a@h PRIVMSG #test :x"))
        #expect(tagged.first?.id == "abc123")
        let line = "@time=2024-05-06T07:08:09.010Z :a!a@h PRIVMSG #test :same"
        let timed = Self.deliveries(Self.handle(&s, line)).first
        var replay = Self.session()
        #expect(timed?.id == Self.deliveries(Self.handle(&replay, line)).first?.id, "a replay gets the same id")
        #expect(timed?.id.hasPrefix("irc-t-") == true && timed?.sentAt == 1_714_979_289_010)
        let first = Self.deliveries(Self.handle(&s, ":a!a@h PRIVMSG #test :same")).first?.id
        let second = Self.deliveries(Self.handle(&s, ":a!a@h PRIVMSG #test :same")).first?.id
        #expect(first != second && first?.hasPrefix("irc-42-") == true, "identical texts are different messages")
    }

    @Test("a channel message is kind channel, one to our nick private; the IRCv3 reply tag is reply_to; no display name")
    func kindsAndReplies() {
        var s = Self.session()
        let channel = Self.deliveries(Self.handle(&s, "@msgid=m2;+draft/reply=m1 :alice!a@h PRIVMSG #test :yes"))
        #expect(channel.first?.chatKind == .channel && channel.first?.replyTo == "m1" && channel.first?.senderName == nil)
        let direct = Self.deliveries(Self.handle(&s, ":bob!b@h PRIVMSG gwbot :psst"))
        #expect(direct.first?.chatKind == .private && direct.first?.replyTo == nil && direct.first?.attachments == [])
        #expect(Self.deliveries(Self.handle(&s, "@+draft/reply= :bob!b@h PRIVMSG gwbot :x")).first?.replyTo == nil)
    }

    @Test("CTCP ACTION becomes /me text; other CTCP requests are not delivered")
    func ctcp() {
        var s = Self.session()
        #expect(Self.deliveries(Self.handle(&s, ":a!a@h PRIVMSG #test :\u{1}ACTION waves\u{1}")).map(\.text) == ["/me waves"])
        #expect(Self.deliveries(Self.handle(&s, ":a!a@h PRIVMSG gwbot :\u{1}VERSION\u{1}")).isEmpty)
    }

    @Test("PING → PONG; a PONG reports its token; ERROR and 465 fail with the table's class")
    func control() {
        var s = Self.session()
        #expect(Self.handle(&s, "PING :irc.server") == [.send(.make("PONG", ["irc.server"]))])
        #expect(Self.handle(&s, ":irc.server PONG irc.server :gatewayd-7") == [.pong("gatewayd-7")])
        #expect(Self.handle(&s, ":irc.server PONG gatewayd-8") == [.pong("gatewayd-8")])
        guard case .fail(let error)? = Self.handle(&s, "ERROR :Closing Link: 1.2.3.4 (Excess Flood)").first else {
            Issue.record("no failure")
            return
        }
        #expect(error.errorClass == .rateLimited && error.retryAfterMillis == 60_000)
        guard case .fail(let banned)? = Self.handle(&s, ":srv 465 gwbot :You are banned").first else {
            Issue.record("no failure")
            return
        }
        #expect(banned.errorClass == .auth)
    }

    @Test("membership follows JOIN, PART, KICK, refusals; nick changes follow NICK; our prefix is learned")
    func membership() {
        var s = Self.session()
        _ = Self.handle(&s, ":gwbot!~gw@host.example JOIN :#test")
        #expect(s.ownPrefix == "gwbot!~gw@host.example")
        _ = Self.handle(&s, ":gwbot!~gw@host.example JOIN :#forwarded")
        #expect(s.channels == ["#test", "#Other", "#forwarded"])
        #expect(Self.handle(&s, ":srv 474 gwbot #other :Cannot join channel (+b)") == [.joinRefused(channel: "#other", reason: "474 Cannot join channel (+b)")])
        _ = Self.handle(&s, ":op!o@h KICK #forwarded gwbot :out")
        _ = Self.handle(&s, ":alice!a@h PART #test")
        #expect(s.channels == ["#test"], "someone else's PART changes nothing")
        _ = Self.handle(&s, ":gwbot!~gw@host.example NICK :gwbot2")
        #expect(s.nick == "gwbot2" && s.ownPrefix == nil)
        #expect(Self.deliveries(Self.handle(&s, ":a!a@h PRIVMSG gwbot2 :new nick")).map(\.chat) == ["a"])
        _ = Self.handle(&s, ":gwbot2!~gw@h PART #test :bye")
        #expect(s.channels.isEmpty)
    }
}
