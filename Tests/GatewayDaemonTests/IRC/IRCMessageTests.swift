import Testing

@testable import GatewayCore
@testable import GatewayIRC
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("IRC message parser")
struct IRCMessageTests {
    @Test("prefix, command, middle params and trailing")
    func full() throws {
        let m = try #require(IRCMessage(parsing: ":nick!user@host PRIVMSG #chan :hello there"))
        #expect(m.prefix == "nick!user@host" && m.nick == "nick" && m.command == "PRIVMSG")
        #expect(m.params == ["#chan", "hello there"] && m.tags.isEmpty)
    }

    @Test("tags with escapes, a tag without a value, an empty trailing")
    func tags() throws {
        let m = try #require(IRCMessage(parsing: #"@msgid=a\:b\sc\\d\r\n;+draft/flag;time=2024-01-02T03:04:05.678Z;x=end\ :srv NOTICE * :"#))
        #expect(m.tags["msgid"] == "a;b c\\d\r\n")
        #expect(m.tags["+draft/flag"] == "" && m.tags["time"] == "2024-01-02T03:04:05.678Z")
        #expect(m.tags["x"] == "end", "a lone trailing backslash is dropped")
        #expect(m.prefix == "srv" && m.command == "NOTICE" && m.params == ["*", ""])
    }

    @Test("numerics, no prefix, no trailing colon, repeated spaces, lower-case command")
    func shapes() throws {
        let numeric = try #require(IRCMessage(parsing: ":irc.test 001 gwbot :Welcome"))
        #expect(numeric.isNumeric && numeric.command == "001" && numeric.param(0) == "gwbot" && numeric.trailing == "Welcome")
        let ping = try #require(IRCMessage(parsing: "PING token123"))
        #expect(ping.prefix == nil && ping.params == ["token123"])
        let spaced = try #require(IRCMessage(parsing: ":a   privmsg   #c   x   :y  z "))
        #expect(spaced.command == "PRIVMSG" && spaced.params == ["#c", "x", "y  z "])
        let colonInside = try #require(IRCMessage(parsing: "CAP * LS * :sasl=PLAIN,EXTERNAL a:b"))
        #expect(colonInside.params == ["*", "LS", "*", "sasl=PLAIN,EXTERNAL a:b"])
        #expect(try #require(IRCMessage(parsing: "QUIT")).params.isEmpty)
    }

    @Test("lines without a command are rejected, not crashed on", arguments: ["", " ", ":prefix-only", "@tags-only", "@a=b :p", ":p :trailing"])
    func invalid(line: String) {
        #expect(IRCMessage(parsing: line) == nil)
    }

    @Test("a space followed by a combining mark still separates parameters")
    func combiningMark() throws {
        let m = try #require(IRCMessage(parsing: "PRIVMSG #c :a \u{301}b"))
        #expect(m.params == ["#c", "a \u{301}b"])
        let middle = try #require(IRCMessage(parsing: "X a \u{301} b"))
        #expect(middle.params == ["a", "\u{301}", "b"])
    }

    @Test("outgoing lines: trailing colon when needed, CR/LF/NUL stripped, secrets hidden from the log form")
    func outgoing() {
        #expect(IRCLine.make("PRIVMSG", ["#c", "hi there"]).text == "PRIVMSG #c :hi there")
        #expect(IRCLine.make("PRIVMSG", ["#c", ":)"]).text == "PRIVMSG #c ::)")
        #expect(IRCLine.make("NICK", ["bot"]).text == "NICK bot")
        #expect(IRCLine.make("PRIVMSG", ["#c", "hi"], trailing: true).text == "PRIVMSG #c :hi")
        #expect(IRCLine.make("PRIVMSG", ["#c", "hi"]).text == "PRIVMSG #c hi")
        #expect(IRCLine.make("PRIVMSG", ["#c", "a\r\nQUIT :bye\0"]).text == "PRIVMSG #c :aQUIT :bye", "no injected second command")
        #expect(IRCLine.make("PONG", [""]).text == "PONG :")
        let pass = IRCLine.make("PASS", ["hunter22"])
        #expect(pass.text == "PASS hunter22" && pass.logText == "PASS <redacted>" && "\(pass)" == "PASS <redacted>")
        var dumped = ""
        dump(IRCRegistration.Step.send([pass]), to: &dumped)
        #expect(!dumped.contains("hunter22") && !String(reflecting: pass).contains("hunter22"))
        #expect(IRCLine.make("AUTHENTICATE", ["PLAIN"]).logText == "AUTHENTICATE PLAIN")
        #expect(IRCLine.make("AUTHENTICATE", ["+"]).logText == "AUTHENTICATE +")
        #expect(IRCLine.make("AUTHENTICATE", ["Z3dib3QAZ3dib3QAaHVudGVyMjI="]).logText == "AUTHENTICATE <redacted>")
    }

    @Test("server-time tags become Unix milliseconds")
    func serverTime() {
        #expect(IRCServerTime.millis("1970-01-01T00:00:00.000Z") == 0)
        #expect(IRCServerTime.millis("2011-10-19T16:40:51.620Z") == 1_319_042_451_620)
        #expect(IRCServerTime.millis("2011-10-19T16:40:51Z") == 1_319_042_451_000)
        #expect(IRCServerTime.millis("2011-10-19T16:40:51.6Z") == 1_319_042_451_600)
        #expect(IRCServerTime.millis("2011-10-19T16:40:51.123456789012345678901234Z") == 1_319_042_451_123)
        for bad in ["", "2011-10-19", "2011-10-19T16:40:51", "2011-13-19T16:40:51Z", "2011-10-19T16:40:51.Z", "x011-10-19T16:40:51Z"] {
            #expect(IRCServerTime.millis(bad) == nil, "\(bad)")
        }
    }
}
