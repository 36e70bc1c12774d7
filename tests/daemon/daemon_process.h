// Starts the real `build/arbiter serve` on a free loopback port for a test, and stops it with
// a signal. Its log goes to DIR/daemon.log.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace arbiter::testing {

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh directory under the temp dir, removed on destruction.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("arbiter-daemon-" + tag + "-" + std::to_string(getpid()) + "-" +
            std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// Runs `program args...`, returns the exit code and stdout+stderr.
inline int RunCommand(const std::vector<std::string>& argv, std::string* output) {
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  cmd += "2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  char buf[4096];
  size_t n;
  output->clear();
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output->append(buf, n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class DaemonProcess {
 public:
  // `args` follow `arbiter serve`; --listen `listen` and --port-file are added.
  DaemonProcess(const std::filesystem::path& dir, std::vector<std::string> args,
                const std::string& listen = "127.0.0.1:0")
      : dir_(dir) {
    port_file_ = dir / "port";
    log_file_ = dir / "daemon.log";
    std::filesystem::remove(port_file_);
    std::vector<std::string> argv = {ARBITER_BINARY_DIR "/arbiter", "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--listen", listen, "--port-file", port_file_.string()});
    // The log goes through a pipe (copied to the file by this process) so that a file-size
    // limit put on the daemon never stops its log.
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    std::vector<char*> cargv;  // built before fork: the child only calls dup2 and execv
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      close(fds[0]);
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      execv(cargv[0], cargv.data());
      _exit(127);
    }
    close(fds[1]);
    log_copier_ = std::thread([fd = fds[0], path = log_file_] {
      char buf[4096];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) {
        std::ofstream(path, std::ios::app | std::ios::binary).write(buf, n);
      }
      close(fd);
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string text = ReadText(port_file_);
      if (!text.empty() && text.back() == '\n') {
        port_ = static_cast<uint16_t>(std::stoi(text.substr(text.rfind(':') + 1)));
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~DaemonProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (log_copier_.joinable()) log_copier_.join();
  }

  bool running() const { return pid_ > 0 && port_ != 0; }
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // When the daemon exited during start-up.
  int start_exit_code() const { return exit_code_; }
  // What the daemon logged so far (give the copier a moment to catch up).
  std::string log() const {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return ReadText(log_file_);
  }

  void Signal(int signal) { kill(pid_, signal); }
  // Sends `signal` and waits for the exit; returns the exit code (-1: killed by a signal).
  int Stop(int signal = SIGTERM, std::chrono::seconds limit = std::chrono::seconds(60)) {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, signal);
    auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -2;  // still running; the destructor kills it
  }

 private:
  std::filesystem::path dir_, port_file_, log_file_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int exit_code_ = -1;
  std::thread log_copier_;
};

}  // namespace arbiter::testing
