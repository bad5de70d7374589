// mime_bench: throughput of the 8BITMIME-to-7BIT conversion
// (delivery-svc/mime/mime_converter.h) on messages generated in memory, fed in
// 64 KiB chunks as the delivery service reads the spool. Prints, per
// message shape, the median of 5 runs of each pass. MB = 10^6 octets.
//
//   mime_bench [--mb N]   (size of each message, default 20)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "delivery-svc/mime/mime_converter.h"

namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr int kRuns = 5;

// Text lines of about 72 octets; `eight_bit` of the words are non-ASCII.
std::string Text(size_t size, double eight_bit, std::mt19937* rng) {
  static const char* const kAscii[] = {
      "the",        "delivery",         "of",  "mail", "to", "servers", "without", "8BITMIME", "needs",
      "conversion", "quoted-printable", "line"};
  static const char* const kUtf8[] = {
      "Gr\xc3\xbc\xc3\x9f"
      "e",
      "caf\xc3\xa9",
      "na\xc3\xafve",
      "\xe2\x82\xac",
      "\xd0\xbc\xd0\xb8\xd1\x80",
      "\xe6\x97\xa5\xe6\x9c\xac"};
  std::uniform_real_distribution<double> coin(0, 1);
  std::string s;
  s.reserve(size + 100);
  size_t line = 0;
  while (s.size() < size) {
    const char* w = coin(*rng) < eight_bit ? kUtf8[(*rng)() % 6] : kAscii[(*rng)() % 12];
    s += w;
    line += std::strlen(w);
    if (line > 70) {
      s += "\n";
      line = 0;
    } else {
      s += " ";
      ++line;
    }
  }
  return s + "\n";
}

std::string Base64ish(size_t size, std::mt19937* rng) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  s.reserve(size + 100);
  while (s.size() < size) {
    for (int i = 0; i < 76; ++i) s.push_back(kAlphabet[(*rng)() % 64]);
    s += "\n";
  }
  return s;
}

struct Shape {
  std::string name;
  std::string message;
};

std::vector<Shape> Shapes(size_t size) {
  std::mt19937 rng(1652);
  std::vector<Shape> shapes;
  const std::string head = "From: a@example.org\nTo: b@example.net\nSubject: bench\nMIME-Version: 1.0\n";

  shapes.push_back({"8bit text leaf", absl::StrCat(head,
                                                   "Content-Type: text/plain; charset=utf-8\n"
                                                   "Content-Transfer-Encoding: 8bit\n\n",
                                                   Text(size, 0.15, &rng))});

  std::string multi = absl::StrCat(head, "Content-Type: multipart/mixed; boundary=\"=_bench\"\n\n");
  for (int i = 0; i < 8; ++i) {
    absl::StrAppend(&multi, "--=_bench\nContent-Type: text/", i % 2 ? "html" : "plain",
                    "; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n", Text(size / 8, 0.15, &rng));
  }
  multi += "--=_bench--\n";
  shapes.push_back({"multipart, 8 8bit parts", std::move(multi)});

  shapes.push_back(
      {"mostly 7bit (base64)",
       absl::StrCat(head, "Content-Type: multipart/mixed; boundary=b\n\n",
                    "--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n",
                    Text(20000, 0.15, &rng),
                    "--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n",
                    Base64ish(size, &rng), "--b--\n")});

  std::string binary;
  binary.reserve(size + 100);
  while (binary.size() < size) {
    for (int i = 0; i < 100; ++i) binary.push_back(static_cast<char>(0x80 + rng() % 128));
    binary += "\n";
  }
  shapes.push_back(
      {"8bit binary-ish (worst)",
       absl::StrCat(head, "Content-Type: application/octet-stream\nContent-Transfer-Encoding: 8bit\n\n",
                    binary)});
  return shapes;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  size_t mb = 20;
  if (argc == 3 && std::strcmp(argv[1], "--mb") == 0) {
    mb = std::strtoul(argv[2], nullptr, 10);
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: %s [--mb N]\n", argv[0]);
    return 64;
  }
  std::printf("%-26s %8s %8s %12s %14s\n", "shape", "MB in", "MB out", "scan MB/s", "convert MB/s");
  for (const Shape& shape : Shapes(mb * 1000 * 1000)) {
    const absl::string_view in = shape.message;
    std::vector<double> scan_s, convert_s;
    size_t out_size = 0;
    for (int run = 0; run < kRuns; ++run) {
      auto t0 = std::chrono::steady_clock::now();
      mxd::MimeScanner scan;
      for (size_t at = 0; at < in.size(); at += kChunk) scan.Feed(in.substr(at, kChunk));
      scan.Finish();
      scan_s.push_back(Seconds(t0));

      // The output of each chunk goes on (to DataEncoder) and is dropped.
      t0 = std::chrono::steady_clock::now();
      mxd::MimeConverter convert(scan.plan());
      std::string out;
      out_size = 0;
      for (size_t at = 0; at < in.size(); at += kChunk) {
        out.clear();
        convert.Feed(in.substr(at, kChunk), &out);
        out_size += out.size();
      }
      out.clear();
      convert.Finish(&out);
      out_size += out.size();
      convert_s.push_back(Seconds(t0));
    }
    const double mb_in = static_cast<double>(in.size()) / 1e6;
    std::printf("%-26s %8.1f %8.1f %12.0f %14.0f\n", shape.name.c_str(), mb_in,
                static_cast<double>(out_size) / 1e6, mb_in / Median(scan_s), mb_in / Median(convert_s));
  }
  return 0;
}
