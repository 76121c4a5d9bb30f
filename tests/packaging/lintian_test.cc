// lintian on the .deb: no error, and exactly the warnings docs/operations.md accepts (each line
// `- \`W: ...\`` there, with its reason), so a new warning fails until it is fixed or accepted
// in the docs. Skipped in sanitizer builds (not packaged) and where lintian is not installed.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/packaging/package_support.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

// The lines of `text` that start with `prefix`, up to the first `end` after it ("" = the line's
// end); the prefix stays out.
std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix,
                                           const std::string& end = "") {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) {
      line.erase(0, prefix.size());
      found.push_back(end.empty() ? line : line.substr(0, line.find(end)));
    }
  }
  return found;
}

TEST(Lintian, NoErrorsAndOnlyTheWarningsTheDocsAccept) {
  if (kUnderAsan) {
    GTEST_SKIP() << "a sanitizer build is not packaged; the Release build's tests (make test) "
                    "run lintian";
  }
  const std::string lintian = FindProgram("lintian");
  if (lintian.empty()) {
    GTEST_SKIP() << "lintian is not installed (packaging/deps installs it)";
  }
  const std::string deb = DebPath();
  ASSERT_FALSE(deb.empty()) << "RUNNEL_DEB is not set: run through ctest, whose deb_package "
                               "fixture builds the package";
  TempDir tmp;
  CommandResult r =
      RunToExit({lintian, "--tag-display-limit", "0", deb}, "", tmp, std::chrono::seconds(300));
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.out << r.err;
  EXPECT_EQ(LinesStartingWith(r.out, "E: "), std::vector<std::string>{}) << r.out;

  const std::string docs =
      ReadFileOrEmpty(std::string(std::getenv("RUNNEL_SOURCE_DIR")) + "/docs/operations.md");
  const std::vector<std::string> accepted = LinesStartingWith(docs, "- `W: ", "`");
  EXPECT_EQ(LinesStartingWith(r.out, "W: "), accepted) << r.out;
  // Anything else lintian prints on stdout is a tag of another kind (pedantic, experimental).
  EXPECT_EQ(LinesStartingWith(r.out, "").size(), accepted.size()) << r.out;
}

}  // namespace
}  // namespace runnel::testing
