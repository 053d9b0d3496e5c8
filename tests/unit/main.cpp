// Catch2 entry point. A listener prints one TAP line per test case, so that
// meson and .ci/run count test cases (not assertions); Catch2's own report
// goes to stderr.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

namespace {

class TapPerTestCase : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseEnded(const Catch::TestCaseStats& stats) override
    {
        ++count_;
        bool ok = stats.totals.assertions.failed == 0 && stats.totals.testCases.failed == 0;
        std::printf("%s %d - %s\n", ok ? "ok" : "not ok", count_, stats.testInfo.name.c_str());
        std::fflush(stdout);
    }

    void testRunEnded(const Catch::TestRunStats&) override
    {
        std::printf("1..%d\n", count_);
        std::fflush(stdout);
    }

private:
    int count_ = 0;
};

} // namespace

CATCH_REGISTER_LISTENER(TapPerTestCase)

int main(int argc, char* argv[])
{
    Catch::Session session;
    session.configData().outputFilename = "/dev/stderr";
    int rc = session.applyCommandLine(argc, argv);
    if (rc != 0)
        return rc;
    return session.run();
}
