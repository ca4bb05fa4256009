// File: test_processes.cpp
// The system processes of the RhoSpec test harness (the reference's test runner
// installs the same URNs), and rho:io:stdlog:
//   rho:test:assertAck (test, attempt, assertion, clue, ack)
//       assertion: (expected, "==", actual), (unexpected, "!=", actual) or a Bool;
//       records the outcome for the run's report and answers it (true/false) on ack;
//   rho:test:testSuiteCompleted (done)   records that the suite ran to its end;
//   rho:io:stdlog (level, message)       writes `level: message` on standard error.

#include <string>

#include "handlers.h"

namespace rho::primitives {

namespace {

using bytecode::Value;
using bytecode::ValueKind;

std::string text(const Value& v) { return v.kind() == ValueKind::kString ? v.asString() : bytecode::print(v); }

void assertAck(std::span<const Value> args, SystemContext& context) {
    TestEvent e;
    e.kind = TestEvent::Kind::kAssertion;
    e.test = text(args[0]);
    e.attempt = args[1].kind() == ValueKind::kInt ? args[1].asInt() : 0;
    e.clue = text(args[3]);
    const Value& a = args[2];
    if (a.kind() == ValueKind::kBool) {
        e.passed = a.asBool();
        e.detail = e.passed ? "true" : "false";
    } else if (a.kind() == ValueKind::kTuple && a.items().size() == 3 && a.items()[1].kind() == ValueKind::kString &&
               (a.items()[1].asString() == "==" || a.items()[1].asString() == "!=")) {
        const Value& want = a.items()[0];
        const Value& got = a.items()[2];
        const bool equal = want == got;
        const bool expectEqual = a.items()[1].asString() == "==";
        e.passed = equal == expectEqual;
        e.detail = (expectEqual ? "expected " : "expected anything but ") + bytecode::print(want) + ", got " +
                   bytecode::print(got);
    } else {
        e.passed = false;
        e.detail = "not an assertion: " + bytecode::print(a);
    }
    const bool passed = e.passed;
    context.testEvent(std::move(e));
    context.send(args[4], {Value::boolean(passed)});
}

void testSuiteCompleted(std::span<const Value> args, SystemContext& context) {
    TestEvent e;
    e.kind = TestEvent::Kind::kSuiteCompleted;
    e.passed = args[0].kind() == ValueKind::kBool && args[0].asBool();
    context.testEvent(std::move(e));
}

void stdlog(std::span<const Value> args, SystemContext& context) {
    context.write(OutputStream::kErr, text(args[0]) + ": " + text(args[1]) + "\n");
}

} // namespace

void addTestProcesses(Registry& r) {
    r.addSystemProcess("rho:test:assertAck", 5, assertAck);
    r.addSystemProcess("rho:test:testSuiteCompleted", 1, testSuiteCompleted);
    r.addSystemProcess("rho:io:stdlog", 2, stdlog);
}

} // namespace rho::primitives
