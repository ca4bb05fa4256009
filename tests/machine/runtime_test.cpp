// Runtime tests: programs run end to end on real components (LMDB on disk, fibers on
// threads); the primitive route through private channels; fault isolation;
// durability across runtimes; determinism under --seed; the step limit.

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <thread>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "rho/compiler/compiler.h"
#include "rho/machine/runtime.h"
#include "rho/primitives/registry.h"

using rho::machine::Runtime;
using rho::machine::RuntimeOptions;

namespace {

// Captures what a run writes to stdout / stderr.
class Capture {
  public:
    Capture() : out_(std::tmpfile()), err_(std::tmpfile()) {}
    ~Capture() {
        std::fclose(out_);
        std::fclose(err_);
    }
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;
    std::FILE* out() { return out_; }
    std::FILE* err() { return err_; }
    std::string outText() { return read(out_); }
    std::string errText() { return read(err_); }

  private:
    static std::string read(std::FILE* f) {
        std::fflush(f);
        std::rewind(f);
        std::string s;
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
            s.append(buf, n);
        return s;
    }
    std::FILE* out_;
    std::FILE* err_;
};

rho::bytecode::Program compile(const std::string& src) {
    auto r = rho::compiler::compileSource(src, "t.rho");
    INFO(r.diagnostics.render("t.rho", src));
    REQUIRE(r.diagnostics.empty());
    return *r.program;
}

struct Outcome {
    rho::machine::RunStats stats;
    std::string out, err;
};

// The first line of an error report (`file:line:col: error: message`), without the
// source line and caret that follow it.
std::string firstLine(const std::string& err) { return err.substr(0, err.find('\n') + 1); }

// Runs [src] in a runtime that is left in [kept], for a look at what the run left.
Outcome runProgramKept(const std::string& src, RuntimeOptions o, std::unique_ptr<Runtime>& kept) {
    Capture cap;
    o.out = cap.out();
    o.err = cap.err();
    auto rt = Runtime::open(o);
    REQUIRE(rt.ok());
    auto stats = (*rt)->run(compile(src));
    REQUIRE(stats.ok());
    kept = std::move(*rt);
    return {*stats, cap.outText(), cap.errText()};
}

Outcome runProgram(const std::string& src, RuntimeOptions o = {}) {
    std::unique_ptr<Runtime> rt;
    return runProgramKept(src, std::move(o), rt);
}

// Runs [program] [runs] times on one thread and on two, each outcome to [check]
// (Outcome, threads).
template <class Check>
void onOneAndTwoThreads(const std::string& program, int runs, Check&& check) {
    for (int run = 0; run < runs; ++run) {
        for (unsigned threads : {1u, 2u}) {
            INFO("run " << run << ", threads " << threads);
            RuntimeOptions o;
            o.threads = threads;
            check(runProgram(program, o), threads);
        }
    }
}

std::string tempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "rhovm-test-XXXXXX").string();
    REQUIRE(mkdtemp(t.data()) != nullptr);
    return t;
}

} // namespace

TEST_CASE("arithmetic goes through the machine's private channel", "[machine][primitives]") {
    Outcome r = runProgram(R"(new out(`rho:io:stdout`) in { out!(1 + 2 * 3) })");
    CHECK(r.out == "7\n");
    // Two operations, each a request COMM to the primitive processor and a reply COMM.
    CHECK(r.stats.primitiveRequests == 2);
    CHECK(r.stats.privateComms == 4);
}

TEST_CASE("direct primitives give the same answers without private COMMs", "[machine][primitives]") {
    RuntimeOptions o;
    o.directPrimitives = true;
    Outcome r = runProgram(R"(new out(`rho:io:stdout`) in { out!([10 / 3, 10 % 3, -10 / 3, 3 - 5 < 0]) })", o);
    CHECK(r.out == "[3, 1, -3, true]\n");
    CHECK(r.stats.primitiveRequests == 6); // / % NEG / - <

    CHECK(r.stats.privateComms == 0);
}

TEST_CASE("a run-time error ends only the failing process", "[machine][faults]") {
    Outcome r = runProgram(R"(new out(`rho:io:stdout`) in {
  out!("before") | @"x"!(1 / 0) | out!("after")
})");
    CHECK(r.stats.errors == 1);
    // The message, then the source line (indented by two) and a caret under column 26,
    // the `1` of `1 / 0`: 19 characters of `  out!("before") | ` and `@"x"!(` before it.
    CHECK(r.err == "t.rho:2:26: error: / by zero\n"
                   "    out!(\"before\") | @\"x\"!(1 / 0) | out!(\"after\")\n"
                   "                           ^\n");
    CHECK((r.out == "\"before\"\n\"after\"\n" || r.out == "\"after\"\n\"before\"\n"));
}

TEST_CASE("the tuplespace stays consistent after a fault", "[machine][faults]") {
    // The failing branch never sends; the receive still gets the other message.
    Outcome r = runProgram(R"(new out(`rho:io:stdout`) in {
  @"c"!(1 % 0) | @"c"!(2) | for (@v <- @"c") { out!(v) }
})");
    CHECK(r.out == "2\n");
    CHECK(r.stats.errors == 1);
}

TEST_CASE("a contract deployed in one runtime answers in the next", "[machine][durability]") {
    std::string dir = tempDir();
    RuntimeOptions o;
    o.dataDir = dir;
    {
        Outcome r = runProgram(R"(contract @"double"(@n, ret) = { ret!(n * 2) })", o);
        CHECK(r.stats.errors == 0);
    }
    {
        Outcome r = runProgram(R"(new out(`rho:io:stdout`), r in { @"double"!(21, *r) | for (@v <- r) { out!(v) } })", o);
        CHECK(r.out == "42\n");
    }
    {
        auto rt = Runtime::open(o);
        REQUIRE(rt.ok());
        std::string text = (*rt)->inspect();
        CHECK(text.find("<= @{\"double\"}") != std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("a join with a variable reference waits across runtimes, its body stored once", "[machine][durability]") {
    std::string dir = tempDir();
    RuntimeOptions o;
    o.dataDir = dir;
    // x is captured into the join's patterns (=x): it must come back with the body.
    runProgram(R"(new out(`rho:io:stdout`) in { for (@x <- @"seed") {
                    for (@a <- @"j1" & @{=x} <- @"j2" & @c <- @"j3") { out!([a, x, c]) } } | @"seed"!(7) })",
               o);
    {
        auto rt = Runtime::open(o);
        REQUIRE(rt.ok());
        std::string text = (*rt)->inspect();
        CHECK(text.find("<- @{\"j2\"}") != std::string::npos);
    }
    {
        Outcome r = runProgram(R"(@"j1"!(1) | @"j2"!(8) | @"j3"!(3))", o); // 8 is not x: no COMM
        CHECK(r.out.empty());
    }
    {
        Outcome r = runProgram(R"(@"j2"!(7))", o);
        CHECK(r.out == "[1, 7, 3]\n");
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("data left by a run is durable and inspectable", "[machine][durability]") {
    std::string dir = tempDir();
    RuntimeOptions o;
    o.dataDir = dir;
    runProgram(R"(@"box"!([1, "two"]) | @"box"!!(3))", o);
    auto rt = Runtime::open(o);
    REQUIRE(rt.ok());
    std::string text = (*rt)->inspect();
    CHECK(text.find("@{\"box\"}!([1, \"two\"])") != std::string::npos);
    CHECK(text.find("@{\"box\"}!!(3)") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("checkpoints during a run hold the workers between steps and lose nothing", "[machine][durability]") {
    // Four workers; a checkpoint every 300 COMMs. Each of 400 rounds makes a contract
    // whose call is already waiting and a persistent datum whose receive is already
    // waiting: both fire at once and are issued again after their COMM, the two-step
    // operations a checkpoint must not cut.
    std::string dir = tempDir();
    RuntimeOptions o;
    o.dataDir = dir;
    o.threads = 4;
    o.checkpointEveryComms = 300;
    Outcome r = runProgram(R"(new out(`rho:io:stdout`), round, done in {
  contract round(@n) = {
    if (n > 0) {
      @[n, "call"]!(n) | contract @[n, "call"](@x) = { done!(x) } |
      for (@y <- @[n, "data"]) { done!(y) } | @[n, "data"]!!(n) |
      round!(n - 1)
    }
  } |
  round!(400) |
  new count in { count!(0) | for (_ <= done) { for (@c <- count) { if (c + 1 == 800) { out!("all 800") } else { count!(c + 1) } } } }
})",
                           o);
    CHECK(r.out == "\"all 800\"\n");
    CHECK(r.stats.errors == 0);
    CHECK(r.stats.checkpoints >= 1);
    auto rt = Runtime::open(o);
    REQUIRE(rt.ok());
    std::string text = (*rt)->inspect();
    for (int n : {1, 200, 400}) {
        const std::string ch = "@{[" + std::to_string(n);
        CHECK(text.find(ch + ", \"data\"]}!!(" + std::to_string(n) + ")") != std::string::npos);
        CHECK(text.find("<= " + ch + ", \"call\"]}") != std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("--seed gives the same output and the same names", "[machine][seed]") {
    const char* src = R"(new out(`rho:io:stdout`), a, b in {
  out!([*a, *b]) | @"x"!(1) | @"x"!(2) | for (@v <- @"x") { out!(v) } | for (@w <- @"x") { out!(w) }
})";
    RuntimeOptions o;
    o.seed = 42;
    Outcome first = runProgram(src, o);
    Outcome second = runProgram(src, o);
    CHECK(first.out == second.out);
    CHECK(first.out.find("Unforgeable(0x") != std::string::npos);
    o.seed = 43;
    Outcome other = runProgram(src, o);
    CHECK(other.out != first.out); // other names
}

TEST_CASE("many threads run a fan-in to the right total", "[machine][threads]") {
    RuntimeOptions o;
    o.threads = 4;
    Outcome r = runProgram(R"(new out(`rho:io:stdout`), count, tick in {
  contract tick(@n) = { if (n > 0) { @"hit"!(1) | tick!(n - 1) } } |
  tick!(500) | tick!(500) |
  count!(0) |
  for (_ <= @"hit") { for (@c <- count) { if (c + 1 == 1000) { out!("all 1000") } else { count!(c + 1) } } }
})",
                           o);
    CHECK(r.out == "\"all 1000\"\n");
    CHECK(r.stats.errors == 0);
}

TEST_CASE("two workers fighting over one channel lose no message when one rests", "[machine][threads]") {
    // A spawn loop feeding one collector: the workers contend for the collector's
    // channel, so the second one rests (load compaction) and hands its machines over,
    // possibly many times; every message must still be counted once.
    RuntimeOptions o;
    o.threads = 2;
    Outcome r = runProgram(R"(new out(`rho:io:stdout`), parent, spawner, collect in {
  contract spawner(@n) = { if (n > 0) { parent!(n) | spawner!(n - 1) } } |
  contract collect(@n, @sum) = {
    if (n == 0) { out!(sum) } else { for (@k <- parent) { collect!(n - 1, sum + k) } }
  } |
  spawner!(30000) | collect!(30000, 0)
})",
                           o);
    CHECK(r.out == "450015000\n"); // 1 + 2 + ... + 30000
    CHECK(r.stats.errors == 0);
}

// Backpressure (kernel.h): 100 senders that each start with a full slice would leave
// 20,000 messages on the collector's channel; past rspace::kDeepBacklog (8,192) their
// sends end their slices, and the collector drains. Every message is counted once, on
// one thread and on two; a small run never comes near the bound.
TEST_CASE("senders to a deep channel yield to its receiver and lose nothing", "[machine][budget]") {
    const std::string program = R"(new out(`rho:io:stdout`), sink, producer, start, collect in {
  contract producer(@k) = { if (k > 0) { sink!(k) | producer!(k - 1) } } |
  contract start(@p) = { if (p > 0) { producer!(200) | start!(p - 1) } } |
  contract collect(@n, @sum) = {
    if (n == 0) { out!(sum) } else { for (@k <- sink) { collect!(n - 1, sum + k) } }
  } |
  start!(100) | collect!(20000, 0)
})";
    for (unsigned threads : {1u, 2u}) {
        INFO("threads " << threads);
        RuntimeOptions o;
        o.threads = threads;
        Outcome r = runProgram(program, o);
        CHECK(r.out == "2010000\n"); // 100 * (1 + 2 + ... + 200)
        CHECK(r.stats.errors == 0);
        // start (p = 100..0), producer (k = 200..0, 100 times), sink, collect (n =
        // 20000..0), and out: no COMM lost or repeated.
        CHECK(r.stats.comms == 101 + 100 * 201 + 20000 + 20001 + 1);
        if (threads == 1)
            CHECK(r.stats.backlogYields > 0);
    }
    RuntimeOptions o;
    o.threads = 1;
    Outcome small = runProgram(R"(new out(`rho:io:stdout`), sink in {
  sink!(1) | sink!(2) | for (@a <- sink; @b <- sink) { out!(a + b) }
})",
                               o);
    CHECK(small.out == "3\n");
    CHECK(small.stats.backlogYields == 0);
}

TEST_CASE("sends held back from a deep channel arrive, each exactly once", "[machine][budget]") {
    // One producer loop fills `sink` with 30,000 messages; the collector starts on
    // `go`, which the loop sends when it is done, so the sink gets deep (8,192) and a
    // worker of a two-thread run holds its later sends back (Kernel::holdBack); the
    // collector's receives then wait for what is still held, and meet it when it goes
    // out. A run checkpointing as it goes holds nothing back.
    const std::string program = R"(new out(`rho:io:stdout`), sink, producer, go, collect in {
  contract producer(@k) = { if (k > 0) { sink!(k) | producer!(k - 1) } else { go!(0) } } |
  contract collect(@n, @sum) = {
    if (n == 0) { out!(sum) } else { for (@k <- sink) { collect!(n - 1, sum + k) } }
  } |
  producer!(30000) | for (_ <- go) { collect!(30000, 0) }
})";
    // producer (k = 30000..0), sink, go, collect (n = 30000..0), out.
    constexpr uint64_t kComms = 30001 + 30000 + 1 + 30001 + 1;
    for (unsigned threads : {1u, 2u}) {
        INFO("threads " << threads);
        RuntimeOptions o;
        o.threads = threads;
        Outcome r = runProgram(program, o);
        CHECK(r.out == "450015000\n"); // 1 + 2 + ... + 30000
        CHECK(r.stats.errors == 0);
        CHECK(r.stats.comms == kComms);
        if (threads == 1)
            CHECK(r.stats.heldSends == 0); // one worker sends directly
        else
            CHECK(r.stats.heldSends > 0);
    }
    RuntimeOptions o;
    o.dataDir = tempDir();
    o.threads = 2;
    o.checkpointEveryComms = 5000;
    Outcome r = runProgram(program, o);
    CHECK(r.out == "450015000\n");
    CHECK(r.stats.comms == kComms);
    CHECK(r.stats.heldSends == 0);
    CHECK(r.stats.checkpoints >= 1);
}

TEST_CASE("a producer chain and a consumer chain on two workers lose and repeat nothing", "[machine][budget]") {
    // The shape of bench/rholang/spawn.rho: one loop sends, another receives one at a
    // time. On two threads the two chains usually run on different workers, and the
    // sender's worker then holds its sends back and produces them in batches (a "cross"
    // outbox, Kernel::crossFired); whether it does depends on where the chains land,
    // so only the outcome is checked, on several runs. A reply channel in the loop
    // (the receiver answers each tenth message, and the sender waits for the answer)
    // checks that a held send never waits for a send that waits for it.
    const std::string program = R"(new out(`rho:io:stdout`), parent, ack, spawner, collect in {
  contract spawner(@n) = {
    if (n > 0) {
      parent!(n) |
      if (n % 10 == 0) { for (_ <- ack) { spawner!(n - 1) } } else { spawner!(n - 1) }
    }
  } |
  contract collect(@n, @sum) = {
    if (n == 0) { out!(sum) } else {
      for (@k <- parent) { if (k % 10 == 0) { ack!(k) | collect!(n - 1, sum + k) } else { collect!(n - 1, sum + k) } }
    }
  } |
  spawner!(20000) | collect!(20000, 0)
})";
    // spawner (n = 20000..0), parent (20000), ack (2000), collect (n = 20000..0), out.
    constexpr uint64_t kComms = 20001 + 20000 + 2000 + 20001 + 1;
    uint64_t held = 0;
    onOneAndTwoThreads(program, 4, [&](const Outcome& r, unsigned threads) {
        CHECK(r.out == "200010000\n"); // 1 + 2 + ... + 20000
        CHECK(r.stats.errors == 0);
        CHECK(r.stats.comms == kComms);
        if (threads == 1)
            CHECK(r.stats.heldSends == 0);
        else
            held += r.stats.heldSends;
    });
    UNSCOPED_INFO("sends held back over the two-thread runs: " << held);
}

TEST_CASE("held-back sends go out while their worker runs an endless process", "[machine][budget]") {
    // The producer's worker holds sends back once `sink` is deep; then two endless
    // loops keep both workers busy for good (neither idles, so neither lets its held
    // sends out for that reason). The collector must still get every message: a worker
    // lets its held sends out every few slices.
    RuntimeOptions o;
    o.threads = 2;
    o.maxSteps = 3000000;
    Outcome r = runProgram(R"(new out(`rho:io:stdout`), sink, producer, spin, collect in {
  contract producer(@k) = { if (k > 0) { sink!(k) | producer!(k - 1) } else { collect!(20000, 0) | spin!(0) | spin!(1) } } |
  contract spin(_) = { spin!(0) } |
  contract collect(@n, @sum) = {
    if (n == 0) { out!(sum) } else { for (@k <- sink) { collect!(n - 1, sum + k) } }
  } |
  producer!(20000)
})",
                           o);
    CHECK(r.out == "200010000\n"); // 1 + 2 + ... + 20000
    CHECK(r.stats.stepLimitReached);
}

TEST_CASE("an endless process does not starve the others", "[machine][budget]") {
    RuntimeOptions o;
    o.threads = 1;
    o.maxSteps = 200000;
    // A persistent send meeting a persistent receive re-fires forever.
    Outcome r = runProgram(R"(new out(`rho:io:stdout`) in {
  for (@x <= @"tick") { Nil } | @"tick"!!(1) | out!("still served")
})",
                           o);
    CHECK(r.out == "\"still served\"\n");
    CHECK(r.stats.stepLimitReached);
}

namespace {

void tripleHandler(std::span<const rho::bytecode::Value> operands, rho::primitives::Answer& out) {
    if (operands[0].kind() != rho::bytecode::ValueKind::kInt)
        return out.fail(rho::primitives::FaultCode::kMessage, rho::bytecode::Op::METHOD,
                        rho::bytecode::Value::string("triple wants an Int"));
    out.ok(rho::bytecode::Value::integer(3 * operands[0].asInt()));
}

// rho:test:echo(v, ret): sends v back on ret.
void echoProcess(std::span<const rho::bytecode::Value> args, rho::primitives::SystemContext& context) {
    context.send(args[1], {args[0]});
}

} // namespace

TEST_CASE("a handler registered by a test is called from Rholang, the machine unchanged", "[machine][registry]") {
    rho::primitives::Registry registry = rho::primitives::Registry::standard();
    registry.addMethod("triple", tripleHandler);
    registry.addSystemProcess("rho:test:echo", 2, echoProcess);
    RuntimeOptions o;
    o.registry = &registry;
    Outcome r = runProgram(R"(new out(`rho:io:stdout`), echo(`rho:test:echo`), ret in {
  out!(14.triple()) | echo!("back", *ret) | for (@v <- ret) { out!(v) } | @"x"!("s".triple())
})",
                           o);
    CHECK((r.out == "42\n\"back\"\n" || r.out == "\"back\"\n42\n"));
    // The position is the start of the call expression `"s".triple()` (column 81).
    CHECK(firstLine(r.err) == "t.rho:2:81: error: triple wants an Int\n");
    // Without the registration the method is unknown, with the reference's wording.
    Outcome plain = runProgram(R"(@"x"!(14.triple()))");
    CHECK(firstLine(plain.err) == "t.rho:1:7: error: Unimplemented method: triple\n"); // at `14`
}

namespace {

std::atomic<Runtime*> gInspected{nullptr};
std::string gSeenInFlight;

// A slow method: looks at the space while its request is in flight, then answers
// after a pause long enough for the rest of the program to finish first.
void slowEcho(std::span<const rho::bytecode::Value> operands, rho::primitives::Answer& out) {
    if (Runtime* rt = gInspected.load())
        gSeenInFlight = rt->inspect();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    out.ok(operands[0]);
}

} // namespace

TEST_CASE("a slow primitive suspends only its machine; the worker runs the others", "[machine][fibers][async]") {
    rho::primitives::Registry registry = rho::primitives::Registry::standard();
    registry.addMethod("slowEcho", slowEcho, rho::primitives::Timing::kSlow);
    RuntimeOptions o;
    o.registry = &registry;
    o.threads = 1; // one worker: only its fibers can keep the rest going
    Capture cap;
    o.out = cap.out();
    o.err = cap.err();
    auto rt = Runtime::open(o);
    REQUIRE(rt.ok());
    gInspected = rt->get();
    auto stats = (*rt)->run(compile(R"(new out(`rho:io:stdout`), loop in {
  out!(["slow", 7.slowEcho()]) |
  contract loop(@n) = { if (n == 0) { out!("fast done") } else { loop!(n - 1) } } | loop!(2000)
})"));
    gInspected = nullptr;
    REQUIRE(stats.ok());
    // The loop's 2,000 COMMs ran while the slow request was in flight.
    CHECK(cap.outText() == "\"fast done\"\n[\"slow\", 7]\n");
    CHECK(stats->lateAnswers == 1);
    CHECK(stats->primitiveRequests == 2001 + 2000 + 1); // n == 0 (x2001), n - 1 (x2000), slowEcho
    // While it waited, its request was visible on its private channel.
    CHECK(gSeenInFlight.find(": request slowEcho(7), answer pending") != std::string::npos);
    CHECK((*rt)->inspect().find("private channel") == std::string::npos); // answered since
}

TEST_CASE("many slow requests at once: each waiting machine keeps its own fiber", "[machine][fibers][async]") {
    rho::primitives::Registry registry = rho::primitives::Registry::standard();
    registry.addMethod("slowEcho", slowEcho, rho::primitives::Timing::kSlow);
    RuntimeOptions o;
    o.registry = &registry;
    o.threads = 1;
    gInspected = nullptr;
    Outcome r = runProgram(R"(new out(`rho:io:stdout`), sum in {
  sum!(0) |
  for (@x <- @"a" & @y <- @"b" & @z <- @"c" & @w <- @"d") { out!(x + y + z + w) } |
  @"a"!(1.slowEcho()) | @"b"!(2.slowEcho()) | @"c"!(3.slowEcho()) | @"d"!(4.slowEcho())
})",
                           o);
    CHECK(r.out == "10\n");
    CHECK(r.stats.lateAnswers == 4);
}

TEST_CASE("a join whose channels turn out to be one name takes each datum once", "[machine][join]") {
    // `for (@x <- c & @y <- d)` with c and d the same name at run time (the compiler
    // rejects only a name written twice): each COMM takes two different data, and the
    // record waits on the channel twice. Both ways of meeting: data first (consume),
    // and the join first with the data sent after it (produce).
    const std::string dataFirst = R"(new out(`rho:io:stdout`), a, f, done in {
  a!(1) | a!(2) | a!(3) | a!(4) | a!(5) | a!(6) |
  contract f(c, d) = { for (@x <- c & @y <- d) { done!(x + y) } } |
  f!(*a, *a) | f!(*a, *a) | f!(*a, *a) |
  for (@s1 <- done) { for (@s2 <- done) { for (@s3 <- done) { out!(s1 + s2 + s3) } } }
})";
    const std::string joinFirst = R"(new out(`rho:io:stdout`), b, f, done, go in {
  contract f(c, d) = { for (@x <- c & @y <- d) { done!(x + y) } | go!(0) } |
  f!(*b, *b) | f!(*b, *b) |
  for (_ <- go) { for (_ <- go) { b!(1) | b!(20) | b!(300) | b!(4000) } } |
  for (@s1 <- done) { for (@s2 <- done) { out!(s1 + s2) } }
})";
    for (uint64_t seed = 1; seed <= 12; ++seed) {
        for (unsigned threads : {1u, 2u}) {
            INFO("seed " << seed << ", threads " << threads);
            RuntimeOptions o;
            o.threads = threads;
            if (threads == 1)
                o.seed = seed; // the run's choices among the data differ from seed to seed
            Outcome r = runProgram(dataFirst, o);
            CHECK(r.out == "21\n"); // 1 + 2 + ... + 6, each once
            CHECK(r.stats.errors == 0);
            r = runProgram(joinFirst, o);
            CHECK(r.out == "4321\n");
            CHECK(r.stats.errors == 0);
        }
    }
}

TEST_CASE("a shared cell updated by chains on two workers counts every update", "[machine][budget]") {
    // 200 chains take turns on one cell, 200 updates each. On two threads a send that
    // fires a receive of the other worker may be held back (a cross outbox); a worker
    // whose own receive then waits on that channel produces what it holds first
    // (Kernel::receiving), and a worker that keeps running out of work rests (load
    // compaction). Neither may lose or repeat an update: once every chain has done its
    // 200 takes, the one token left on the cell holds 40,000.
    const std::string program = R"(new out(`rho:io:stdout`), cell, worker, start, done, finish in {
  cell!(0) |
  contract worker(@k) = { if (k > 0) { for (@c <- cell) { cell!(c + 1) | worker!(k - 1) } } else { done!(0) } } |
  contract start(@p) = { if (p > 0) { worker!(200) | start!(p - 1) } } |
  contract finish(@n) = { if (n == 0) { for (@c <- cell) { out!(c) } } else { for (_ <- done) { finish!(n - 1) } } } |
  start!(200) | finish!(200)
})";
    onOneAndTwoThreads(program, 4, [](const Outcome& r, unsigned) {
        CHECK(r.out == "40000\n");
        CHECK(r.stats.errors == 0);
    });
}

TEST_CASE("two receivers leasing runs of one deep channel take every datum once", "[machine][lease]") {
    // 30,000 messages are on `sink` before two collector chains start, 15,000 takes
    // each: a receive that finds the channel deep moves a run of its data out for its
    // worker's next receives there (Kernel::lease), so on two threads both workers may
    // hold runs of the one channel at once. Each datum must be taken once: the two
    // sums add up to 1 + ... + 30000, with no COMM lost or repeated.
    const std::string program = R"(new out(`rho:io:stdout`), sink, producer, go, collect, done in {
  contract producer(@k) = { if (k > 0) { sink!(k) | producer!(k - 1) } else { go!(0) } } |
  contract collect(@n, @sum) = {
    if (n == 0) { done!(sum) } else { for (@k <- sink) { collect!(n - 1, sum + k) } }
  } |
  producer!(30000) | for (_ <- go) { collect!(15000, 0) | collect!(15000, 0) } |
  for (@a <- done; @b <- done) { out!(a + b) }
})";
    // producer (k = 30000..0), sink, go, collect (2 x (n = 15000..0)), done (a join
    // of two: a COMM for each channel), out.
    static constexpr uint64_t kComms = 30001 + 30000 + 1 + 2 * 15001 + 2 + 1;
    onOneAndTwoThreads(program, 3, [](const Outcome& r, unsigned) {
        CHECK(r.out == "450015000\n");
        CHECK(r.stats.errors == 0);
        CHECK(r.stats.comms == kComms);
        CHECK(r.stats.leasedData > 0);
    });
}

TEST_CASE("leased data go back to the space for a receive they do not match", "[machine][lease]") {
    // 100 numbers and then "end" on a deep channel; the collector takes 10 numbers (the
    // first take leases a run of the oldest), then waits for "end", which the run
    // does not hold: the run goes back, the receive finds "end", and a join on the
    // channel takes one more number. The 89 left are in the space after the run,
    // each once.
    const std::string program = R"(new out(`rho:io:stdout`), fill, go, take in {
  contract fill(@k) = { if (k > 0) { @"sink"!(k) | fill!(k - 1) } else { @"sink"!("end") | go!(0) } } |
  contract take(@n, @sum) = {
    if (n == 0) {
      for (@"end" <- @"sink") {
        out!(sum) | @"other"!(0) | for (@a <- @"sink"; _ <- @"other") { out!("joined") }
      }
    } else { for (@k <- @"sink") { take!(n - 1, sum + k) } }
  } |
  fill!(100) | for (_ <- go) { take!(10, 0) }
})";
    for (unsigned threads : {1u, 2u}) {
        INFO("threads " << threads);
        RuntimeOptions o;
        o.threads = threads;
        std::unique_ptr<Runtime> rt;
        const Outcome r = runProgramKept(program, o, rt);
        const std::string& out = r.out;
        // The ten oldest are 100 down to 91 (sum 955) unless a choice among the first
        // few took a younger one: the sum is checked against what is left instead.
        CHECK(out.find("joined") != std::string::npos);
        // The stored data are lines `@{"sink"}!(86) |` (the contracts' bodies, also
        // listed, send on it too, indented).
        const std::string text = rt->inspect();
        INFO(text);
        const std::string datum = "\n@{\"sink\"}!(";
        long left = 0;
        int count = 0;
        for (size_t at = text.find(datum); at != std::string::npos; at = text.find(datum, at + 1)) {
            left += std::stol(text.substr(at + datum.size()));
            ++count;
        }
        CHECK(count == 89);
        const long taken = std::stol(out.substr(out.find_first_of("0123456789")));
        long joined = 5050 - left - taken; // the one number the join took
        CHECK(joined >= 1);
        CHECK(joined <= 100);
        CHECK(r.stats.leasedData > 0);
    }
}
