import Testing

@testable import BreatherCore

@Suite struct TemplateTests {
    @Test func renders() throws {
        let template = try Template(
            "{me} is back at {checkin_time}; {partner}, {minutes_left} min, {plan}, {duration}, {note}, {late}.")
        let text = template.render([
            .me: "Sam", .partner: "Alex", .checkinTime: "14:30", .minutesLeft: "5",
            .plan: "cool-down", .duration: "30 minutes", .note: "tea", .late: "",
        ])
        #expect(text == "Sam is back at 14:30; Alex, 5 min, cool-down, 30 minutes, tea, .")
        #expect(template.variables == Set(Template.Variable.everyMessage))
    }

    @Test func missingValuesRenderEmpty() throws {
        #expect(try Template("hi {me}!").render([:]) == "hi !")
        #expect(try Template("").render([.me: "Sam"]) == "")
        #expect(try Template("plain").variables.isEmpty)
    }

    @Test func doubledBracesAreLiteral() throws {
        let template = try Template("{{me}} is {me} }} {{")
        #expect(template.render([.me: "Sam"]) == "{me} is Sam } {")
        #expect(template.variables == [.me])
    }

    @Test func unknownVariable() {
        #expect(throws: Template.Error(code: .unknownVariable("name"))) { try Template("hi {name}") }
        #expect(throws: Template.Error(code: .unknownVariable(""))) { try Template("hi {}") }
        #expect(throws: Template.Error(code: .unknownVariable("Me"))) { try Template("{Me}") }
        let error = Template.Error(code: .unknownVariable("name"))
        #expect(
            error.description
                == "unknown template variable {name}; the known ones are {me}, {partner}, {plan}, {checkin_time}, {minutes_left}, {duration}, {note}, {late}."
        )
    }

    @Test func unclosedAndStrayBraces() {
        #expect(throws: Template.Error(code: .unclosedBrace)) { try Template("back at {checkin_time") }
        #expect(throws: Template.Error(code: .unclosedBrace)) { try Template("{") }
        #expect(throws: Template.Error(code: .strayClosingBrace)) { try Template("a } b") }
        #expect(throws: Template.Error(code: .strayClosingBrace)) { try Template("}") }
        #expect(
            Template.Error(code: .unclosedBrace).description == "a '{' is never closed; write '{{' for a literal brace."
        )
        #expect(
            Template.Error(code: .strayClosingBrace).description
                == "a '}' has no opening '{'; write '}}' for a literal brace.")
    }

    @Test func codableKeepsTheSource() throws {
        let template = try Template("{me} {{x}}")
        #expect(template.source == "{me} {{x}}")
        #expect(template == (try Template("{me} {{x}}")))
    }
}
