/*
 * preprocess.cc: clang's preprocessor run inside acc, once, for both
 * things the front end reads from it (docs/frontend.md, "The token map"):
 * the buffer, written by the code that writes `clang -E` output, and where
 * each of its tokens came from (expansion and spelling locations, what
 * `clang -Xclang -dump-tokens` prints), taken by the preprocessor's token
 * watcher, which sees every token the -E writer lexes at the top level, in
 * order.  A pragma's own tokens are lexed below that level and are in
 * neither list, as in clang's dump.
 *
 * Running it here rather than as two `clang` children saves a second
 * preprocessing and the dump's cost: clang writes -dump-tokens to an
 * unbuffered stream, a few system calls per token, which cost more than
 * parsing the file.  The command line is the one cpp.c built for `clang
 * -E`; clang's driver turns it into the preprocessor's options, with the
 * resource folder of the installed clang.  Diagnostics go to standard
 * error as clang's would.
 *
 * The only C++ in acc; its interface is C (preprocess.h).
 */
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Driver/Compilation.h"
#include "clang/Driver/Driver.h"
#include "clang/Driver/Job.h"
#include "clang/Driver/Tool.h"
#include "clang/Frontend/FrontendDiagnostic.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/Frontend/Utils.h"
#include "clang/Lex/Preprocessor.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Host.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" {
#include "preprocess.h"
}

namespace {

/* The origins of the tokens, as the watcher sees them. */
class Origins {
public:
  explicit Origins(const clang::SourceManager &sm) : sm_(sm) {}

  void add(const clang::Preprocessor &pp, const clang::Token &tok) {
    TokOrigin o{};
    clang::SourceLocation loc = tok.getLocation();
    place(sm_.getExpansionLoc(loc), &o.file, &o.line, &o.col);
    o.expanded = loc.isMacroID();
    if (o.expanded)
      place(sm_.getSpellingLoc(loc), &o.sfile, &o.sline, &o.scol);
    if (!tok.isAnnotation()) {
      bool invalid = false;
      llvm::StringRef text = pp.getSpelling(tok, scratch_, &invalid);
      o.hash = tokorigin_hash(text.data(), text.size());
      o.len = static_cast<uint32_t>(text.size());
    }
    if (n_ == cap_) { /* realloc: a large block moves without a copy */
      cap_ = cap_ ? 2 * cap_ : 4096;
      list_ = static_cast<TokOrigin *>(
          realloc(list_, sizeof(TokOrigin) * cap_));
      if (!list_)
        abort();
    }
    list_[n_++] = o;
  }

  TokOrigin *release(int *n) {
    *n = static_cast<int>(n_);
    TokOrigin *p = list_;
    list_ = nullptr;
    n_ = cap_ = 0;
    return p;
  }

  ~Origins() { free(list_); }

private:
  /* A presumed location, as SourceLocation::print writes it.  The tokens
     of one physical line share its presumed file and line (a #line
     directive is a line of its own) and their columns are physical, so the
     source manager is asked once a line (a few hundred instructions a
     question, asked for every token). */
  void place(clang::SourceLocation loc, const char **file, int *line,
             int *col) {
    std::pair<clang::FileID, unsigned> at = sm_.getDecomposedLoc(loc);
    if (line_file_ && at.first == line_fid_ && at.second >= line_begin_ &&
        at.second < line_end_) {
      *file = line_file_;
      *line = line_no_;
      *col = static_cast<int>(at.second - line_begin_) + 1;
      return;
    }
    line_file_ = nullptr;
    clang::PresumedLoc p = sm_.getPresumedLoc(loc);
    if (p.isInvalid()) {
      *file = "<invalid>";
      *line = *col = 0;
      return;
    }
    *file = name(p.getFilename());
    *line = static_cast<int>(p.getLine());
    *col = static_cast<int>(p.getColumn());
    remember_line(at, *file, *line, p.getColumn());
  }
  /* The physical line around `at`: from col - 1 bytes before it to the
     next line break (clang's columns count from a \n or a \r). */
  void remember_line(std::pair<clang::FileID, unsigned> at, const char *file,
                     int line, unsigned col) {
    bool invalid = false;
    llvm::StringRef buf = sm_.getBufferData(at.first, &invalid);
    if (invalid || col == 0 || col - 1 > at.second || at.second >= buf.size())
      return;
    size_t end = at.second;
    while (end < buf.size() && buf[end] != '\n' && buf[end] != '\r')
      end++;
    line_fid_ = at.first;
    line_begin_ = at.second - (col - 1);
    line_end_ = static_cast<unsigned>(end);
    line_file_ = file;
    line_no_ = line;
  }

  /* Our copy of a file name of the source manager, which dies first; the
     copies live as long as acc (a process-wide table). */
  const char *name(const char *sm_name) {
    if (sm_name == last_in_)
      return last_out_;
    static std::unordered_map<std::string, std::string> *copies =
        new std::unordered_map<std::string, std::string>;
    auto it = names_.find(sm_name);
    if (it == names_.end()) {
      const std::string &copy =
          copies->emplace(sm_name, sm_name).first->second;
      it = names_.emplace(sm_name, copy.c_str()).first;
    }
    last_in_ = sm_name;
    last_out_ = it->second;
    return last_out_;
  }

  const clang::SourceManager &sm_;
  TokOrigin *list_ = nullptr; /* malloc'd: cpp.c frees it */
  size_t n_ = 0, cap_ = 0;
  std::unordered_map<const char *, const char *> names_;
  const char *last_in_ = nullptr, *last_out_ = nullptr;
  clang::FileID line_fid_;            /* the line of the last question */
  unsigned line_begin_ = 0, line_end_ = 0;
  const char *line_file_ = nullptr;   /* null: none remembered */
  int line_no_ = 0;
  llvm::SmallString<64> scratch_;
};

/* -E, with the token watcher listing what the writer lexes. */
class PrintAndList : public clang::PreprocessorFrontendAction {
public:
  PrintAndList(std::string *text, PreprocessOutput *out)
      : text_(text), out_(out) {}

private:
  void ExecuteAction() override {
    clang::CompilerInstance &ci = getCompilerInstance();
    clang::Preprocessor &pp = ci.getPreprocessor();
    Origins origins(ci.getSourceManager());
    pp.setTokenWatcher(
        [&](const clang::Token &tok) { origins.add(pp, tok); });
    llvm::raw_string_ostream text(*text_);
    clang::DoPrintPreprocessedInput(pp, &text,
                                    ci.getPreprocessorOutputOpts());
    text.flush();
    pp.setTokenWatcher(nullptr);
    out_->origins = origins.release(&out_->norigins);
  }

  std::string *text_;
  PreprocessOutput *out_;
};

/* The preprocessor's options for the command line, as clang's driver
   makes them for its one job (the cc1 command). */
std::shared_ptr<clang::CompilerInvocation>
invocation(const std::vector<const char *> &args,
           clang::DiagnosticsEngine &diags) {
  clang::driver::Driver driver(args[0], llvm::sys::getDefaultTargetTriple(),
                               diags, "clang LLVM compiler");
  std::unique_ptr<clang::driver::Compilation> c(
      driver.BuildCompilation(args));
  if (!c || diags.hasErrorOccurred())
    return nullptr;
  const clang::driver::JobList &jobs = c->getJobs();
  if (jobs.size() != 1 ||
      !llvm::isa<clang::driver::Command>(*jobs.begin()) ||
      llvm::StringRef(jobs.begin()->getCreator().getName()) != "clang") {
    std::string line;
    for (const char *a : args)
      line += std::string(line.empty() ? "" : " ") + a;
    diags.Report(clang::diag::err_fe_expected_compiler_job) << line;
    return nullptr;
  }
  const llvm::opt::ArgStringList &cc1 = jobs.begin()->getArguments();
  auto inv = std::make_shared<clang::CompilerInvocation>();
  if (!clang::CompilerInvocation::CreateFromArgs(*inv, cc1, diags, args[0]))
    return nullptr;
  return inv;
}

} // namespace

extern "C" int preprocess_run(const char *clang_path, char *const *argv,
                              PreprocessOutput *out) {
  std::vector<const char *> args{clang_path};
  for (int i = 1; argv[i]; i++)
    args.push_back(argv[i]);
  clang::DiagnosticOptions *opts = new clang::DiagnosticOptions;
  auto *printer = new clang::TextDiagnosticPrinter(llvm::errs(), opts);
  printer->setPrefix("clang");
  llvm::IntrusiveRefCntPtr<clang::DiagnosticsEngine> diags =
      clang::CompilerInstance::createDiagnostics(opts, printer);
  std::shared_ptr<clang::CompilerInvocation> inv = invocation(args, *diags);
  if (!inv)
    return 1;
  clang::CompilerInstance ci;
  ci.setInvocation(inv);
  ci.createDiagnostics();
  std::string text;
  *out = PreprocessOutput{};
  PrintAndList action(&text, out);
  bool ok = ci.ExecuteAction(action);
  if (!ok || ci.getDiagnostics().hasErrorOccurred()) {
    free(out->origins);
    *out = PreprocessOutput{};
    return 1;
  }
  out->text = static_cast<char *>(malloc(text.size() + 1));
  if (!out->text)
    abort();
  memcpy(out->text, text.c_str(), text.size() + 1);
  out->text_len = text.size();
  return 0;
}
