// The .deb installed for real: `dpkg -i` puts every file where it belongs with its owner and mode,
// creates the runnel user and its directories, and the installed binaries validate the installed
// configs; `dpkg -r` removes the programs and keeps the configs and the data; `dpkg -P` removes
// everything but the user. It changes the machine, so it runs only as root, with dpkg usable,
// when runnel is not installed and none of its directories exist; otherwise it is skipped,
// saying why. TearDown purges the package and removes the user and group it created, whatever
// step failed. Other tests run this build's binaries, never /usr/bin's, so they are not affected.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/packaging/package_support.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

namespace fs = std::filesystem;

// What the package holds, as `dpkg -L runnel` lists it (sorted), and how each is installed;
// PackageFiles() adds every conf/examples/*.toml of the source tree.
const std::vector<std::pair<std::string, std::string>> kPackageFiles = {
    {"/etc", "dir root:root 0755"},
    {"/etc/runnel", "dir root:root 0755"},
    {"/etc/runnel/agent.toml", "file root:root 0644"},
    {"/etc/runnel/aggregator.toml", "file root:root 0644"},
    {"/lib", "link root:root 0777"},  // merged /usr: /lib -> usr/lib
    {"/lib/systemd", "dir root:root 0755"},
    {"/lib/systemd/system", "dir root:root 0755"},
    {"/lib/systemd/system/runnel-agent.service", "file root:root 0644"},
    {"/lib/systemd/system/runnel-aggregator.service", "file root:root 0644"},
    {"/usr", "dir root:root 0755"},
    {"/usr/bin", "dir root:root 0755"},
    {"/usr/bin/runnel-agent", "file root:root 0755"},
    {"/usr/bin/runnel-aggregator", "file root:root 0755"},
    {"/usr/share", "dir root:root 0755"},
    {"/usr/share/doc", "dir root:root 0755"},
    {"/usr/share/doc/runnel", "dir root:root 0755"},
    {"/usr/share/doc/runnel/README.md", "file root:root 0644"},
    {"/usr/share/doc/runnel/changelog.gz", "file root:root 0644"},
    {"/usr/share/doc/runnel/configuration.md", "file root:root 0644"},
    {"/usr/share/doc/runnel/copyright", "file root:root 0644"},
    {"/usr/share/doc/runnel/examples", "dir root:root 0755"},
    {"/usr/share/doc/runnel/operations.md", "file root:root 0644"},
};

// What postinst creates; the package does not hold them, so `dpkg -r` leaves them.
const std::vector<std::pair<std::string, std::string>> kStateDirs = {
    {"/var/lib/runnel", "dir runnel:runnel 0750"},
    {"/var/lib/runnel/agent", "dir runnel:runnel 0750"},
    {"/var/lib/runnel/aggregator", "dir runnel:runnel 0750"},
    {"/var/log/runnel", "dir runnel:runnel 0750"},
};

// Directories the package or its scripts create, which a purge deletes: the test does not run
// where one exists already.
constexpr const char* kOwnedDirs[] = {"/etc/runnel", "/var/lib/runnel", "/var/log/runnel"};

constexpr char kMarker[] = "/var/lib/runnel/agent/kept-by-remove";

// What `systemctl enable runnel-agent` creates; the package does not enable it, a purge removes it.
constexpr char kEnableLink[] = "/etc/systemd/system/multi-user.target.wants/runnel-agent.service";
constexpr char kHelperState[] =
    "/var/lib/systemd/deb-systemd-helper-enabled/runnel-agent.service.dsh-also";

// kPackageFiles and /usr/share/doc/runnel/examples/<each example of conf/examples>, sorted.
std::vector<std::pair<std::string, std::string>> PackageFiles() {
  std::vector<std::pair<std::string, std::string>> files = kPackageFiles;
  const std::string examples = std::string(std::getenv("RUNNEL_SOURCE_DIR")) + "/conf/examples";
  for (const fs::directory_entry& e : fs::directory_iterator(examples)) {
    if (e.path().extension() == ".toml") {
      files.emplace_back("/usr/share/doc/runnel/examples/" + e.path().filename().string(),
                         "file root:root 0644");
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

void ExpectDescribed(const std::vector<std::pair<std::string, std::string>>& paths) {
  for (const auto& [path, description] : paths) {
    EXPECT_EQ(DescribePath(path), description) << path;
  }
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// The groups that list `user` as a member (its supplementary groups).
std::vector<std::string> SupplementaryGroupsOf(const std::string& user) {
  std::vector<std::string> names;
  setgrent();
  while (const group* gr = getgrent()) {
    for (char** member = gr->gr_mem; *member != nullptr; ++member) {
      if (user == *member) {
        names.push_back(gr->gr_name);
      }
    }
  }
  endgrent();
  return names;
}

class DebInstall : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kUnderAsan) {
      GTEST_SKIP() << "a sanitizer build is not packaged; the Release build's tests (make test) "
                      "install the package";
    }
    if (geteuid() != 0) {
      GTEST_SKIP() << "not root: the test installs the package with dpkg -i";
    }
    dpkg_ = FindProgram("dpkg");
    dpkg_query_ = FindProgram("dpkg-query");
    if (dpkg_.empty() || dpkg_query_.empty() || access("/var/lib/dpkg/status", W_OK) != 0) {
      GTEST_SKIP() << "dpkg is not usable here (no dpkg, no dpkg-query or no writable "
                      "/var/lib/dpkg/status)";
    }
    const std::string status = PackageStatus();
    if (!status.empty()) {
      GTEST_SKIP() << "runnel is known to dpkg on this machine (" << status
                   << "); the test installs and purges it, so it does not run here";
    }
    for (const char* dir : kOwnedDirs) {
      if (fs::exists(dir)) {
        GTEST_SKIP() << dir << " exists; purging the package would delete it";
      }
    }
    deb_ = DebPath();
    ASSERT_FALSE(deb_.empty()) << "RUNNEL_DEB is not set: run through ctest, whose deb_package "
                                  "fixture builds the package";
    ASSERT_TRUE(fs::exists(deb_)) << deb_;
    enable_link_existed_ = fs::is_symlink(kEnableLink);
    user_existed_ = UserExists("runnel");
    group_existed_ = GroupExists("runnel");
    may_change_machine_ = true;
  }

  // Puts the machine back as SetUp found it: no package, no directories, no user or group the
  // test created.
  void TearDown() override {
    if (!may_change_machine_) {
      return;
    }
    if (!PackageStatus().empty()) {
      RunToExit({dpkg_, "--purge", "runnel"}, "", tmp_);
    }
    for (const char* dir : kOwnedDirs) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
    if (!enable_link_existed_) {
      std::error_code ec;
      fs::remove(kEnableLink, ec);
    }
    if (!user_existed_ && UserExists("runnel")) {
      RunToExit({"/usr/sbin/userdel", "runnel"}, "", tmp_);
    }
    if (!group_existed_ && GroupExists("runnel")) {
      RunToExit({"/usr/sbin/groupdel", "runnel"}, "", tmp_);
    }
    EXPECT_EQ(PackageStatus(), "");
    EXPECT_EQ(UserExists("runnel"), user_existed_);
    EXPECT_EQ(GroupExists("runnel"), group_existed_);
  }

  // dpkg's status of runnel ("install ok installed", "deinstall ok config-files"), or "" when
  // dpkg does not know it.
  std::string PackageStatus() {
    CommandResult r = RunToExit({dpkg_query_, "-W", "-f=${Status}", "runnel"}, "", tmp_);
    if (r.status.ToString() != "exit 0" || r.out.ends_with(" not-installed")) {
      return "";
    }
    return r.out;
  }

  // Runs dpkg with `args`; it must succeed and print nothing to stderr.
  void Dpkg(std::vector<std::string> args) {
    args.insert(args.begin(), dpkg_);
    CommandResult r = RunToExit(args, "", tmp_, std::chrono::seconds(60));
    ASSERT_EQ(r.status.ToString(), "exit 0") << r.out << r.err;
    EXPECT_EQ(r.err, "") << r.out;
  }

  void ExpectInstalled();
  void ExpectValidates(const std::string& binary, const std::string& config,
                       const std::string& counts);
  void ExpectRunnelUser();

  TempDir tmp_;
  std::string dpkg_;
  std::string dpkg_query_;
  std::string deb_;
  bool enable_link_existed_ = false;
  bool user_existed_ = false;
  bool group_existed_ = false;
  bool may_change_machine_ = false;
};

void DebInstall::ExpectInstalled() {
  EXPECT_EQ(PackageStatus(), "install ok installed");
  CommandResult listed = RunToExit({dpkg_query_, "-L", "runnel"}, "", tmp_);
  std::vector<std::string> files = Lines(listed.out);
  std::sort(files.begin(), files.end());
  std::vector<std::string> want;
  const std::vector<std::pair<std::string, std::string>> package_files = PackageFiles();
  for (const auto& entry : package_files) {
    want.push_back(entry.first);
  }
  EXPECT_EQ(files, want);
  ExpectDescribed(package_files);
  ExpectDescribed(kStateDirs);
  EXPECT_EQ(ReadFileOrEmpty("/var/lib/dpkg/info/runnel.conffiles"),
            "/etc/runnel/agent.toml\n/etc/runnel/aggregator.toml\n");
  // Not enabled; what enabling would link is recorded, for the purge.
  EXPECT_EQ(DescribePath(kEnableLink), "missing");
  EXPECT_EQ(ReadFileOrEmpty(kHelperState), std::string(kEnableLink) + "\n");

  const std::string source = std::getenv("RUNNEL_SOURCE_DIR");
  for (const char* name : {"agent", "aggregator"}) {
    const std::string config = std::string("/etc/runnel/") + name + ".toml";
    EXPECT_EQ(ReadFileOrEmpty(config), ReadFileOrEmpty(source + "/conf/" + name + ".toml"));
    const std::string unit = std::string("runnel-") + name + ".service";
    EXPECT_EQ(ReadFileOrEmpty("/lib/systemd/system/" + unit),
              ReadFileOrEmpty(GeneratedUnitPath(unit)));
  }
  // The installed units start the installed binaries, so verify checks them as they are.
  const std::string analyze = FindProgram("systemd-analyze");
  if (!analyze.empty()) {
    CommandResult r = RunToExit(
        {analyze, "verify", "runnel-agent.service", "runnel-aggregator.service"}, "", tmp_);
    EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
    EXPECT_EQ(r.out + r.err, "");
  }
}

// `binary --validate -c config` as root and as the runnel user (what the unit runs it as).
void DebInstall::ExpectValidates(const std::string& binary, const std::string& config,
                                 const std::string& counts) {
  const std::vector<std::vector<std::string>> commands = {
      {binary, "--validate", "-c", config},
      {"/usr/bin/setpriv", "--reuid=runnel", "--regid=runnel", "--init-groups", binary,
       "--validate", "-c", config},
  };
  for (const std::vector<std::string>& argv : commands) {
    CommandResult r = RunToExit(argv, "/", tmp_);
    EXPECT_EQ(r.status.ToString(), "exit 0") << argv[0] << "\n" << r.err;
    EXPECT_EQ(r.out, config + ": valid (" + counts + ")\n") << argv[0];
    EXPECT_EQ(r.err, "") << argv[0];
  }
}

void DebInstall::ExpectRunnelUser() {
  const passwd* pw = getpwnam("runnel");
  const group* gr = getgrnam("runnel");
  ASSERT_NE(pw, nullptr);
  ASSERT_NE(gr, nullptr);
  if (user_existed_) {
    return;  // postinst keeps a user it did not create as it is
  }
  EXPECT_GE(pw->pw_uid, 100u);  // a system user: Debian's dynamic system range, 100-999
  EXPECT_LE(pw->pw_uid, 999u);
  EXPECT_EQ(pw->pw_gid, gr->gr_gid);
  EXPECT_EQ(std::string(pw->pw_dir), "/var/lib/runnel");
  EXPECT_EQ(std::string(pw->pw_shell), "/usr/sbin/nologin");
  // adm and systemd-journal come from the units' SupplementaryGroups=, not from membership.
  EXPECT_EQ(SupplementaryGroupsOf("runnel"), std::vector<std::string>{});
}

TEST_F(DebInstall, InstallRemovePurge) {
  ASSERT_NO_FATAL_FAILURE(Dpkg({"--install", deb_}));
  ASSERT_NO_FATAL_FAILURE(ExpectRunnelUser());
  ExpectInstalled();
  ExpectValidates("/usr/bin/runnel-agent", "/etc/runnel/agent.toml",
                  "1 inputs, 2 filters, 1 outputs");
  ExpectValidates("/usr/bin/runnel-aggregator", "/etc/runnel/aggregator.toml",
                  "1 inputs, 0 filters, 1 outputs");

  // Installing again (as an upgrade does) keeps an edited conffile and the directories as they
  // are.
  const std::string edited = ReadFileOrEmpty("/etc/runnel/agent.toml") + "# edited\n";
  ASSERT_TRUE(WriteFile("/etc/runnel/agent.toml", edited));
  ASSERT_NO_FATAL_FAILURE(Dpkg({"--install", deb_}));
  EXPECT_EQ(ReadFileOrEmpty("/etc/runnel/agent.toml"), edited);
  ExpectDescribed(kStateDirs);

  // An operator enables the agent; the purge below removes the link.
  const std::string systemctl = FindProgram("systemctl");
  if (!systemctl.empty()) {
    CommandResult r = RunToExit({systemctl, "enable", "runnel-agent.service"}, "", tmp_);
    EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
    EXPECT_EQ(fs::read_symlink(kEnableLink), "/lib/systemd/system/runnel-agent.service");
  }

  // Removal: the programs and units go; configs (conffiles), state and logs stay.
  ASSERT_TRUE(WriteFile(kMarker, "state\n"));
  ASSERT_NO_FATAL_FAILURE(Dpkg({"--remove", "runnel"}));
  EXPECT_EQ(PackageStatus(), "deinstall ok config-files");
  for (const char* gone :
       {"/usr/bin/runnel-agent", "/usr/bin/runnel-aggregator",
        "/lib/systemd/system/runnel-agent.service", "/lib/systemd/system/runnel-aggregator.service",
        "/usr/share/doc/runnel"}) {
    EXPECT_EQ(DescribePath(gone), "missing") << gone;
  }
  EXPECT_EQ(DescribePath("/etc/runnel/agent.toml"), "file root:root 0644");
  EXPECT_EQ(DescribePath("/etc/runnel/aggregator.toml"), "file root:root 0644");
  ExpectDescribed(kStateDirs);
  EXPECT_EQ(ReadFileOrEmpty(kMarker), "state\n");

  // Purge: configs, state and logs go; the user stays (Debian leaves system users).
  ASSERT_NO_FATAL_FAILURE(Dpkg({"--purge", "runnel"}));
  EXPECT_EQ(PackageStatus(), "");
  for (const char* gone : {"/etc/runnel", "/var/lib/runnel", "/var/log/runnel"}) {
    EXPECT_EQ(DescribePath(gone), "missing") << gone;
  }
  EXPECT_TRUE(UserExists("runnel"));
  EXPECT_EQ(DescribePath(kEnableLink), "missing");
  EXPECT_EQ(DescribePath(kHelperState), "missing");
  EXPECT_EQ(DescribePath("/var/lib/systemd/deb-systemd-helper-enabled/"
                         "runnel-aggregator.service.dsh-also"),
            "missing");
}

}  // namespace
}  // namespace runnel::testing
