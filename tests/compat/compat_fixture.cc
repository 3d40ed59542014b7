#include "compat_fixture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

extern char** environ;

namespace auditlog::testing {
namespace {

// Runs argv with `env` added to the environment, collecting stdout and stderr.
NodeRun Spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
              int timeout_seconds) {
  NodeRun run;
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return run;
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return run;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string name(entry.substr(0, entry.find('=')));
    if (!env.contains(name)) env_strings.emplace_back(entry);
  }
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (std::string& arg : args) argp.push_back(arg.data());
  argp.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    run.err = "cannot start " + argv[0];
    return run;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_count = 2;
  bool timed_out = false;
  while (open_count > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0) {
      if (errno == EINTR) continue;
      kill(pid, SIGKILL);  // never leave waitpid below waiting on a live child
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[65536];
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
        continue;
      }
      (i == 0 ? run.out : run.err).append(buffer, static_cast<size_t>(n));
    }
  }
  for (pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int wait_status = 0;
  waitpid(pid, &wait_status, 0);
  run.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  if (timed_out) run.err += "\n(killed after " + std::to_string(timeout_seconds) + " s)";
  std::string_view out = run.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.remove_suffix(1);
  const size_t last_line = out.rfind('\n');
  run.report = nlohmann::json::parse(
      last_line == std::string_view::npos ? out : out.substr(last_line + 1), nullptr, false);
  if (run.report.is_discarded()) run.report = nullptr;
  return run;
}

}  // namespace

bool UnderCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::string_view(ci) == "true" || std::string_view(ci) == "1");
}

std::pair<int, int> NodeVersion() {
  NodeRun run = Spawn({"node", "--version"}, {}, 30);
  if (run.exit_code != 0) return {0, 0};
  int major = 0;
  int minor = 0;
  if (std::sscanf(run.out.c_str(), "v%d.%d", &major, &minor) != 2) return {0, 0};
  return {major, minor};
}

std::string CompatDir() { return std::string(AL_SOURCE_DIR) + "/tests/compat"; }

void CompatFixture::StartTlsServer() {
  auto certs = MakeTestCertificates(dir_.string());
  ASSERT_TRUE(certs.ok()) << certs.status().ToString();
  certs_ = *certs;
  config_.tls_cert = certs_.cert_file;
  config_.tls_key = certs_.key_file;
  ca_file_ = certs_.ca_file;
  StartServer();
}

std::string NodeMissing(int min_major, int min_minor, const std::string& package) {
  const auto [major, minor] = NodeVersion();
  if (major == 0) return "Node.js is not installed (scripts/install-deps.sh installs it)";
  if (major < min_major || (major == min_major && minor < min_minor)) {
    return "Node.js " + std::to_string(major) + "." + std::to_string(minor) + " is older than " +
           std::to_string(min_major) + "." + std::to_string(min_minor) + ", which npm " + package +
           " needs";
  }
  if (!std::filesystem::exists(CompatDir() + "/node_modules/" + package + "/package.json")) {
    return "npm package " + package +
           " is not installed in tests/compat (scripts/install-deps.sh installs it)";
  }
  return "";
}

std::string CompatFixture::HostPort() const { return "127.0.0.1:" + std::to_string(app_->port()); }

NodeRun CompatFixture::RunNode(const std::string& script,
                               const std::map<std::string, std::string>& env, int timeout_seconds) {
  std::map<std::string, std::string> full_env = env;
  full_env["NODE_EXTRA_CA_CERTS"] = certs_.ca_file;
  full_env["AUDITLOG_URL"] = app_->base_url();
  full_env["AUDITLOG_HOST"] = HostPort();
  full_env["NODE_PATH"] = CompatDir() + "/node_modules";
  NodeRun run = Spawn({"node", CompatDir() + "/" + script}, full_env, timeout_seconds);
  if (run.exit_code != 0) {
    ADD_FAILURE() << script << " exited with " << run.exit_code << "\n--- stdout\n"
                  << run.out << "\n--- stderr\n"
                  << run.err;
  }
  return run;
}

}  // namespace auditlog::testing
