// Rollback: undo steps registered while a multi-step operation (create)
// makes changes; run newest-first unless the operation commits. Undo steps
// must not throw: a failing undo is logged by the step itself.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace oci::util {

class Rollback {
public:
    Rollback() = default;
    Rollback(const Rollback&) = delete;
    Rollback& operator=(const Rollback&) = delete;
    ~Rollback() { run(); }

    void add(std::function<void()> undo) { steps_.push_back(std::move(undo)); }

    // The operation succeeded: keep everything it made.
    void commit() noexcept { steps_.clear(); }

    void run() noexcept
    {
        while (!steps_.empty()) {
            auto step = std::move(steps_.back());
            steps_.pop_back();
            try {
                step();
            } catch (...) {
            }
        }
    }

private:
    std::vector<std::function<void()>> steps_;
};

} // namespace oci::util
