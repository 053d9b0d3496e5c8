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
