#include "linux/seccomp_cache.hpp"

#include "util/fs.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include "ocirun_config.h"

#include <dirent.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace oci::sys {

namespace {

constexpr char kMagic[8] = {'O', 'C', 'I', 'S', 'C', 'M', 'P', '1'};
constexpr std::size_t kMaxKey = 1 << 20;
// More files than this and the directory is emptied before the next write:
// profiles differ per engine and image, not per container.
constexpr int kMaxEntries = 64;

struct Header {
    char magic[8];
    uint32_t flags;
    uint32_t notify;
    uint64_t key_len;
    uint64_t insns;
    uint64_t checksum;
};
static_assert(sizeof(Header) == 40);

uint64_t fnv1a(uint64_t h, const void* data, std::size_t len)
{
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < len; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

constexpr uint64_t kFnvBasis = 0xcbf29ce484222325ULL;

uint64_t checksum(const Header& h, std::string_view key, const void* filter, std::size_t filter_len)
{
    uint64_t c = fnv1a(kFnvBasis, &h.flags, sizeof h.flags);
    c = fnv1a(c, &h.notify, sizeof h.notify);
    c = fnv1a(c, &h.key_len, sizeof h.key_len);
    c = fnv1a(c, &h.insns, sizeof h.insns);
    c = fnv1a(c, key.data(), key.size());
    return fnv1a(c, filter, filter_len);
}

// Length-prefixed, so that no two profiles write the same text.
void put(std::string& out, std::string_view s)
{
    out += std::to_string(s.size());
    out += ':';
    out += s;
}

void put(std::string& out, uint64_t v)
{
    put(out, std::to_string(v));
}

template <typename T>
void put(std::string& out, const std::optional<T>& v)
{
    if (v)
        put(out, static_cast<uint64_t>(*v));
    else
        put(out, std::string_view("-"));
}

std::string file_name(const std::string& key)
{
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(kFnvBasis, key.data(), key.size())));
    return buf;
}

bool owned_by_us(const struct stat& st)
{
    return st.st_uid == ::geteuid() && (st.st_mode & 077) == 0;
}

std::optional<SeccompProgram> load(int dir_fd, const std::string& name, const std::string& key)
{
    util::unique_fd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd)
        return std::nullopt;
    struct stat st;
    if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) || !owned_by_us(st) || st.st_nlink != 1)
        return std::nullopt;
    auto size = static_cast<std::size_t>(st.st_size);
    if (size < sizeof(Header) || size > sizeof(Header) + kMaxKey + BPF_MAXINSNS * sizeof(struct sock_filter))
        return std::nullopt;
    std::string data(size, '\0');
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd.get(), data.data() + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return std::nullopt;
        done += static_cast<std::size_t>(n);
    }
    Header h;
    std::memcpy(&h, data.data(), sizeof h);
    if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 || h.key_len != key.size() || h.insns == 0 ||
        h.insns > BPF_MAXINSNS || size != sizeof h + h.key_len + h.insns * sizeof(struct sock_filter))
        return std::nullopt;
    std::string_view stored_key(data.data() + sizeof h, h.key_len);
    const char* filter = data.data() + sizeof h + h.key_len;
    std::size_t filter_len = h.insns * sizeof(struct sock_filter);
    if (stored_key != key || checksum(h, stored_key, filter, filter_len) != h.checksum)
        return std::nullopt;
    SeccompProgram p;
    p.flags = h.flags;
    p.notify = h.notify != 0;
    p.filter.resize(h.insns);
    std::memcpy(p.filter.data(), filter, filter_len);
    return p;
}

void evict_if_full(int dir_fd)
{
    DIR* dir = ::fdopendir(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir == nullptr)
        return;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir))
        if (e->d_name[0] != '.')
            names.emplace_back(e->d_name);
    ::closedir(dir);
    if (names.size() < kMaxEntries)
        return;
    for (const auto& n : names)
        ::unlinkat(dir_fd, n.c_str(), 0);
}

void store(int dir_fd, const std::string& name, const std::string& key, const SeccompProgram& p)
{
    Header h;
    std::memcpy(h.magic, kMagic, sizeof kMagic);
    h.flags = p.flags;
    h.notify = p.notify ? 1 : 0;
    h.key_len = key.size();
    h.insns = p.filter.size();
    std::size_t filter_len = p.filter.size() * sizeof(struct sock_filter);
    h.checksum = checksum(h, key, p.filter.data(), filter_len);
    std::string data(reinterpret_cast<const char*>(&h), sizeof h);
    data += key;
    data.append(reinterpret_cast<const char*>(p.filter.data()), filter_len);
    evict_if_full(dir_fd);
    util::write_file_atomic(dir_fd, name, data, 0600);
}

} // namespace

std::string seccomp_cache_key(const spec::Seccomp& c)
{
    std::string key;
    const scmp_version* v = seccomp_version();
    put(key, std::string_view("ocirun " OCIRUN_VERSION " " OCIRUN_COMMIT));
    put(key, static_cast<uint64_t>(v->major));
    put(key, static_cast<uint64_t>(v->minor));
    put(key, static_cast<uint64_t>(v->micro));
    put(key, static_cast<uint64_t>(seccomp_api_get()));
    put(key, static_cast<uint64_t>(seccomp_arch_native()));
    put(key, c.default_action);
    put(key, c.default_errno_ret);
    put(key, static_cast<uint64_t>(c.architectures.size()));
    for (const auto& a : c.architectures)
        put(key, a);
    put(key, static_cast<uint64_t>(c.flags.size()));
    for (const auto& f : c.flags)
        put(key, f);
    put(key, static_cast<uint64_t>(c.syscalls.size()));
    for (const auto& s : c.syscalls) {
        put(key, static_cast<uint64_t>(s.names.size()));
        for (const auto& n : s.names)
            put(key, n);
        put(key, s.action);
        put(key, s.errno_ret);
        put(key, static_cast<uint64_t>(s.args.size()));
        for (const auto& a : s.args) {
            put(key, static_cast<uint64_t>(a.index));
            put(key, a.value);
            put(key, a.value_two);
            put(key, a.op);
        }
    }
    return key;
}

util::unique_fd open_seccomp_cache(int state_root_fd)
{
    if (::mkdirat(state_root_fd, kSeccompCacheDir, 0700) < 0 && errno != EEXIST) {
        log_debug(std::string("seccomp cache: cannot create ") + kSeccompCacheDir + ": " + std::strerror(errno));
        return {};
    }
    util::unique_fd fd(::openat(state_root_fd, kSeccompCacheDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) < 0 || !S_ISDIR(st.st_mode) || !owned_by_us(st)) {
        log_debug(std::string("seccomp cache: ") + kSeccompCacheDir + " is not a private directory of ours: not used");
        return {};
    }
    return fd;
}

SeccompProgram compile_seccomp_cached(const spec::Seccomp& config, int cache_dir_fd)
{
    if (cache_dir_fd < 0)
        return compile_seccomp(config);
    std::string key = seccomp_cache_key(config);
    std::string name = file_name(key);
    if (auto hit = load(cache_dir_fd, name, key)) {
        log_debug("seccomp: program from the cache (" + name + ")");
        return std::move(*hit);
    }
    SeccompProgram program = compile_seccomp(config);
    try {
        store(cache_dir_fd, name, key, program);
    } catch (const Error& e) {
        log_debug(std::string("seccomp cache: ") + e.what());
    }
    return program;
}

} // namespace oci::sys
