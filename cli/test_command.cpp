// File: test_command.cpp
// `rhovm test` (see test_command.h).

#include "test_command.h"
#include "color.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "rho/base/hex.h"
#include "rho/compiler/compiler.h"
#include "rho/machine/runtime.h"
#include "rhospec_source.h"

namespace rho::cli {

namespace {

std::optional<bytecode::Program> compileFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "rhovm: cannot read %s\n", path.c_str());
        return std::nullopt;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    compiler::CompileResult r = compiler::compileSource(text, path);
    if (!r.diagnostics.empty()) {
        std::string rendered = r.diagnostics.render(path, text, diagnosticColor());
        std::fwrite(rendered.data(), 1, rendered.size(), stderr);
        return std::nullopt;
    }
    return std::move(*r.program);
}

} // namespace

int runTests(const std::vector<std::string>& files, machine::RuntimeOptions options, bool verbose) {
    const primitives::DeployData testDeploy = options.deploy; // the test files run as this deployer
    options.deploy.deployerKey = *base::fromHex(kRhoSpecDeployerKey); // the harness as RhoSpec's
    compiler::CompileResult harness = compiler::compileSource(kRhoSpecSource, "<rhospec>");
    if (!harness.program) {
        std::fprintf(stderr, "rhovm: the RhoSpec harness does not compile (a bug)\n");
        return 2;
    }
    int status = 0;
    size_t totalAssertions = 0, totalFailed = 0, suitesFailed = 0;
    for (const std::string& file : files) {
        std::optional<bytecode::Program> program = compileFile(file);
        if (!program)
            return 2;
        auto rt = machine::Runtime::open(options); // a fresh space for each file
        if (!rt.ok()) {
            std::fprintf(stderr, "rhovm: %s\n", std::string(rt.status().message()).c_str());
            return 2;
        }
        auto setup = (*rt)->run(*harness.program);
        (*rt)->setDeploy(testDeploy);
        auto result = setup.ok() ? (*rt)->run(*program) : setup;
        if (!result.ok()) {
            std::fprintf(stderr, "rhovm: %s\n", std::string(result.status().message()).c_str());
            return 2;
        }
        size_t assertions = 0, failed = 0;
        bool completed = false;
        for (const primitives::TestEvent& e : result->tests) {
            if (e.kind == primitives::TestEvent::Kind::kSuiteCompleted) {
                completed = completed || e.passed;
                continue;
            }
            ++assertions;
            if (!e.passed)
                ++failed;
            if (!e.passed || verbose)
                std::printf("  %s %s (attempt %lld): %s%s\n", e.passed ? "pass" : "FAIL", e.test.c_str(),
                            static_cast<long long>(e.attempt), e.clue.c_str(),
                            e.passed ? "" : (" -- " + e.detail).c_str());
        }
        const bool ok = completed && failed == 0 && result->errors == 0;
        std::printf("%s %s: %zu assertions, %zu failed%s%s\n", ok ? "PASS" : "FAIL", file.c_str(), assertions, failed,
                    completed ? "" : ", the suite did not complete",
                    result->errors ? (", " + std::to_string(result->errors) + " run-time errors").c_str() : "");
        totalAssertions += assertions;
        totalFailed += failed;
        if (!ok) {
            ++suitesFailed;
            status = 1;
        }
    }
    std::printf("%zu files, %zu failed; %zu assertions, %zu failed\n", files.size(), suitesFailed, totalAssertions,
                totalFailed);
    std::fflush(stdout);
    return status;
}

} // namespace rho::cli
