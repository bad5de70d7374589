// mxd-mime-convert: shows what delivery would send for an 8-bit message to a
// server without 8BITMIME. Reads the message (a file, or stdin), runs the
// scan and conversion passes of mime_converter.h in 64 KiB chunks as the
// delivery service does, and writes the 7-bit message to stdout (before
// SMTP's dot-stuffing and long-line folding).
//
//   mxd-mime-convert [FILE]
//
// Exit 0, or 65 (EX_DATAERR) with the reason on stderr when the message
// cannot be converted (MIME nesting), or 66 (EX_NOINPUT) when FILE cannot
// be read.
#include <sysexits.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "common/cli/arguments.h"
#include "delivery-svc/mime/mime_converter.h"

namespace {

constexpr size_t kChunk = 64 * 1024;

// Runs `fn` on each chunk of `in` from the start.
template <typename Fn>
bool ForEachChunk(FILE* in, Fn fn) {
  if (std::fseek(in, 0, SEEK_SET) != 0) return false;
  std::string buf(kChunk, '\0');
  for (;;) {
    const size_t n = std::fread(buf.data(), 1, buf.size(), in);
    if (n > 0) fn(absl::string_view(buf.data(), n));
    if (n < buf.size()) return std::ferror(in) == 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (mxd::PrintedHelpOrVersion(argc, argv, "mxd-mime-convert",
                                "usage: mxd-mime-convert [FILE]\n"
                                "prints FILE (or standard input) as delivery-svc would send it to a server "
                                "without 8BITMIME")) {
    return EX_OK;
  }
  if (argc > 2 || (argc == 2 && argv[1][0] == '-' && argv[1][1] != '\0')) {
    std::fprintf(stderr, "usage: %s [FILE]\n", argv[0]);
    return EX_USAGE;
  }
  FILE* in = nullptr;
  const bool from_file = argc == 2 && std::strcmp(argv[1], "-") != 0;
  if (from_file) {
    in = std::fopen(argv[1], "rb");
    if (in == nullptr) {
      std::fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], std::strerror(errno));
      return EX_NOINPUT;
    }
  } else {
    // Two passes need random access: stdin is copied to a temporary file.
    in = std::tmpfile();
    if (in == nullptr) {
      std::fprintf(stderr, "%s: tmpfile: %s\n", argv[0], std::strerror(errno));
      return EX_OSERR;
    }
    std::string buf(kChunk, '\0');
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), stdin)) > 0) std::fwrite(buf.data(), 1, n, in);
  }

  mxd::MimeScanner scan;
  if (!ForEachChunk(in, [&](absl::string_view chunk) { scan.Feed(chunk); })) {
    std::fprintf(stderr, "%s: read error\n", argv[0]);
    return EX_IOERR;
  }
  scan.Finish();
  if (const mxd::MimeError* e = scan.error()) {
    std::fprintf(stderr, "%s: %s %s\n", argv[0], e->enhanced.c_str(), e->reason.c_str());
    return EX_DATAERR;
  }

  mxd::MimeConverter convert(scan.plan());
  std::string out;
  const bool ok = ForEachChunk(in, [&](absl::string_view chunk) {
    out.clear();
    convert.Feed(chunk, &out);
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
  std::fclose(in);
  if (!ok) {
    std::fprintf(stderr, "%s: read error\n", argv[0]);
    return EX_IOERR;
  }
  out.clear();
  convert.Finish(&out);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return EX_IOERR;
  return 0;
}
