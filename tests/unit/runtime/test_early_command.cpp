// The command word that the entry point reads from argv before the C library
// starts: the same word parse_args finds after the global flags, for every
// global flag in each of its forms.
#include <catch2/catch.hpp>

#include "cli_args.hpp"
#include "commands.hpp"
#include "early_command.hpp"

#include <string>
#include <vector>

namespace {

// argv as the kernel passes it, from strings that outlive the call.
struct Argv {
    explicit Argv(std::vector<std::string> words) : words_(std::move(words))
    {
        for (auto& w : words_)
            ptrs_.push_back(w.data());
        ptrs_.push_back(nullptr);
    }
    int argc() const { return static_cast<int>(words_.size()); }
    char** argv() { return ptrs_.data(); }

private:
    std::vector<std::string> words_;
    std::vector<char*> ptrs_;
};

std::string word_of(std::vector<std::string> words)
{
    Argv a(std::move(words));
    const char* w = ocirun::early_command_word(a.argc(), a.argv());
    return w == nullptr ? "(none)" : w;
}

// What main finds: the first positional argument after the global flags.
std::string parsed_word(const std::vector<std::string>& words)
{
    auto global = ocirun::parse_args({words.begin() + 1, words.end()}, ocirun::global_flag_specs(), true);
    return global.positional.empty() ? "(none)" : global.positional[0];
}

} // namespace

TEST_CASE("early command word: after global flags in every form", "[cli]")
{
    CHECK(word_of({"ocirun", "exec", "c1", "true"}) == "exec");
    CHECK(word_of({"ocirun", "--root", "/run/x", "run", "c1"}) == "run");
    CHECK(word_of({"ocirun", "--root=/run/x", "--debug", "create", "c1"}) == "create");
    CHECK(word_of({"ocirun", "-root", "exec", "state", "c1"}) == "state");   // "exec" is --root's value
    CHECK(word_of({"ocirun", "--log-format", "json", "--log", "/l", "exec", "c1"}) == "exec");
    CHECK(word_of({"ocirun", "--", "run", "c1"}) == "run");
    CHECK(word_of({"ocirun", "--debug"}) == "(none)");
    CHECK(word_of({"ocirun"}) == "(none)");
    CHECK(word_of({"ocirun", "--root"}) == "(none)");
}

TEST_CASE("early command word: the same as parse_args finds, for every global flag", "[cli]")
{
    for (const auto& spec : ocirun::global_flag_specs()) {
        for (const std::string& form : {"--" + spec.name, "-" + spec.name}) {
            std::vector<std::string> words = {"ocirun", form, "exec", "state", "c1"};
            INFO(form);
            CHECK(word_of(words) == parsed_word(words));
            std::vector<std::string> inline_value = {"ocirun", form + "=x", "exec", "c1"};
            if (spec.takes_value)
                CHECK(word_of(inline_value) == parsed_word(inline_value));
        }
    }
}

TEST_CASE("early command word: create, run and exec enter a container, nothing else", "[cli]")
{
    for (const char* command : {"create", "run", "exec"}) {
        Argv a({"ocirun", "--root", "/r", command, "c1"});
        CHECK(ocirun::early_enters_container(a.argc(), a.argv()));
    }
    for (const char* command : {"start", "state", "kill", "delete", "list", "ps", "spec", "features", "pause",
                                "resume", "events", "update", "runner", "exe"}) {
        Argv a({"ocirun", command, "c1"});
        INFO(command);
        CHECK_FALSE(ocirun::early_enters_container(a.argc(), a.argv()));
    }
}

namespace {

std::string bundle_of(std::vector<std::string> words)
{
    Argv a(std::move(words));
    const char* b = ocirun::early_create_bundle(a.argc(), a.argv());
    return b == nullptr ? "(none)" : b;
}

// What cmd_create / cmd_run take: parse_args over the words after the command.
std::string parsed_bundle(const std::vector<std::string>& words, size_t command_at)
{
    auto specs = ocirun::create_flag_specs();
    specs.push_back({"detach", "d", false});
    specs.push_back({"keep", "", false});
    auto parsed = ocirun::parse_args({words.begin() + static_cast<long>(command_at) + 1, words.end()}, specs);
    return parsed.value_or("bundle", ".");
}

} // namespace

TEST_CASE("early create bundle: the bundle create and run would use", "[cli]")
{
    std::vector<std::vector<std::string>> cases = {
        {"ocirun", "run", "c1"},
        {"ocirun", "run", "--bundle", "/b", "c1"},
        {"ocirun", "run", "--bundle=/b", "c1"},
        {"ocirun", "run", "-b", "/b", "c1"},
        {"ocirun", "run", "-b=/b", "c1"},
        {"ocirun", "run", "-bundle", "/b", "c1"},
        {"ocirun", "create", "c1", "--bundle", "/late"},   // flags after the id count too
        {"ocirun", "run", "-b", "/first", "--bundle", "/last", "c1"},
        {"ocirun", "run", "--pid-file", "-b", "c1"},       // "-b" is the pid file
        {"ocirun", "run", "--console-socket", "--bundle", "c1"},
        {"ocirun", "run", "--preserve-fds", "2", "-d", "-b", "/b", "c1"},
        {"ocirun", "run", "--detach=true", "--bundle", "/b", "c1"},
        {"ocirun", "run", "--", "-b", "/b"},               // after "--" nothing is a flag
        {"ocirun", "run", "--bundle-x", "/b", "c1"},        // not the flag (parse_args refuses it)
    };
    for (const auto& words : cases) {
        std::string joined;
        for (const auto& w : words)
            joined += w + " ";
        INFO(joined);
        if (words == cases.back()) {
            CHECK(bundle_of(words) == ".");
            continue;
        }
        CHECK(bundle_of(words) == parsed_bundle(words, 1));
    }
    CHECK(bundle_of({"ocirun", "--root", "/r", "create", "-b", "/b", "c1"}) == "/b");
}

TEST_CASE("early create bundle: none for other commands", "[cli]")
{
    CHECK(bundle_of({"ocirun", "exec", "-b", "/b", "c1", "true"}) == "(none)");
    CHECK(bundle_of({"ocirun", "state", "c1"}) == "(none)");
    CHECK(bundle_of({"ocirun", "--debug"}) == "(none)");
}
