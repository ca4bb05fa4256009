// File: lsp_server.cpp
// runLanguageServer (lsp_server.h).
#include "lsp_server.h"

#include "check.h"
#include "lsp_index.h"
#include "rho/grammar/parser.h"

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace rho::cli {

namespace {

using nlohmann::json;

// LSP positions are 0-based lines and characters; ours 1-based lines and columns.
json toLsp(SourcePos p) {
    return json{{"line", p.line > 0 ? p.line - 1 : 0}, {"character", p.col > 0 ? p.col - 1 : 0}};
}
json toLsp(const Span& s) {
    return json{{"start", toLsp(s.pos)}, {"end", toLsp(s.end)}};
}
SourcePos fromLsp(const json& p) {
    return SourcePos{p.value("line", 0u) + 1, p.value("character", 0u) + 1};
}

std::string fileNameOf(const std::string& uri) {
    return uri.starts_with("file://") ? uri.substr(7) : uri;
}

struct Document {
    std::string text;
    std::optional<DocumentIndex> index; // from the last version that parsed
};

class Server {
  public:
    Server(std::FILE* in, std::FILE* out) : in_(in), out_(out) {}

    int run() {
        while (std::optional<json> message = read()) {
            if (!message->is_object())
                continue;
            const std::string method = message->value("method", "");
            const bool isRequest = message->contains("id");
            if (method == "exit")
                return shutdown_ ? 0 : 1;
            json params = message->value("params", json::object());
            if (!isRequest) {
                try {
                    notification(method, params);
                } catch (const json::exception&) {
                    // a malformed notification has no one to answer: dropped
                }
                continue;
            }
            const json id = (*message)["id"];
            try {
                std::optional<json> result = request(method, params);
                if (result)
                    send(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", *result}});
                else
                    send(json{{"jsonrpc", "2.0"},
                              {"id", id},
                              {"error", {{"code", -32601}, {"message", "method not found: " + method}}}});
            } catch (const json::exception& e) {
                send(json{
                    {"jsonrpc", "2.0"},
                    {"id", id},
                    {"error", {{"code", -32602}, {"message", std::string("invalid params: ") + e.what()}}}});
            }
        }
        return 1; // the input ended without `exit`
    }

  private:
    // One message: headers, a blank line, Content-Length bytes of JSON. nullopt at the
    // end of the input.
    std::optional<json> read() {
        for (;;) {
            size_t length = 0;
            bool sawLength = false;
            std::string line;
            for (;;) {
                line.clear();
                int c;
                while ((c = std::fgetc(in_)) != EOF && c != '\n')
                    line += static_cast<char>(c);
                if (c == EOF)
                    return std::nullopt;
                if (!line.empty() && line.back() == '\r')
                    line.pop_back();
                if (line.empty())
                    break;
                constexpr std::string_view kLength = "Content-Length:";
                if (line.size() > kLength.size() && line.compare(0, kLength.size(), kLength) == 0) {
                    length = std::strtoul(line.c_str() + kLength.size(), nullptr, 10);
                    sawLength = true;
                }
            }
            if (!sawLength)
                continue;
            std::string body(length, '\0');
            if (std::fread(body.data(), 1, length, in_) != length)
                return std::nullopt;
            json message = json::parse(body, nullptr, false);
            if (message.is_discarded()) {
                send(json{{"jsonrpc", "2.0"},
                          {"id", nullptr},
                          {"error", {{"code", -32700}, {"message", "parse error"}}}});
                continue;
            }
            return message;
        }
    }

    void send(const json& message) {
        const std::string body = message.dump(-1, ' ', false, json::error_handler_t::replace);
        std::fprintf(out_, "Content-Length: %zu\r\n\r\n", body.size());
        std::fwrite(body.data(), 1, body.size(), out_);
        std::fflush(out_);
    }

    void notification(const std::string& method, const json& params) {
        if (method == "textDocument/didOpen") {
            const json& doc = params.at("textDocument");
            update(doc.at("uri").get<std::string>(), doc.at("text").get<std::string>());
        } else if (method == "textDocument/didChange") {
            const json& changes = params.at("contentChanges");
            if (!changes.empty()) // full sync: the last change is the whole text
                update(params.at("textDocument").at("uri").get<std::string>(),
                       changes.back().at("text").get<std::string>());
        } else if (method == "textDocument/didClose") {
            const std::string uri = params.at("textDocument").at("uri").get<std::string>();
            documents_.erase(uri);
            send(json{{"jsonrpc", "2.0"},
                      {"method", "textDocument/publishDiagnostics"},
                      {"params", {{"uri", uri}, {"diagnostics", json::array()}}}});
        }
        // initialized, $/cancelRequest, ...: nothing to do
    }

    void update(const std::string& uri, std::string text) {
        Document& doc = documents_[uri];
        doc.text = std::move(text);
        grammar::ParseResult parsed = grammar::parse(doc.text);
        if (parsed.root != nullptr)
            doc.index = indexDocument(parsed.root);
        json list = json::array();
        const Diagnostics diagnostics = diagnose(fileNameOf(uri), doc.text);
        for (const Diagnostic& d : diagnostics.items()) {
            Span span{d.pos, d.end};
            if (!(span.pos.line < span.end.line ||
                  (span.pos.line == span.end.line && span.pos.col < span.end.col)))
                span.end = SourcePos{span.pos.line, span.pos.col + 1};
            list.push_back(json{
                {"range", toLsp(span)}, {"severity", 1}, {"source", "rhovm"}, {"message", d.shownMessage()}});
        }
        send(json{{"jsonrpc", "2.0"},
                  {"method", "textDocument/publishDiagnostics"},
                  {"params", {{"uri", uri}, {"diagnostics", list}}}});
    }

    const DocumentIndex* indexOf(const std::string& uri) const {
        auto it = documents_.find(uri);
        return it == documents_.end() || !it->second.index ? nullptr : &*it->second.index;
    }

    // The binding at the request's position, or null; [uri] is the request's document.
    const Binding* bindingAt(const json& params, std::string& uri) {
        uri = params.at("textDocument").at("uri").get<std::string>();
        const DocumentIndex* index = indexOf(uri);
        return index == nullptr ? nullptr : index->at(fromLsp(params.at("position")));
    }

    std::optional<json> request(const std::string& method, const json& params) {
        if (method == "initialize") {
            return json{{"capabilities",
                         {{"textDocumentSync", 1}, // full
                          {"definitionProvider", true},
                          {"referencesProvider", true},
                          {"hoverProvider", true},
                          {"documentSymbolProvider", true}}},
                        {"serverInfo", {{"name", "rhovm"}, {"version", RHOVM_VERSION}}}};
        }
        if (method == "shutdown") {
            shutdown_ = true;
            return json(nullptr);
        }
        if (method == "textDocument/definition") {
            // A variable: the contracts on it (where a call goes), then its binder. A
            // quoted channel of a send: the contracts on that channel.
            std::string uri;
            json list = json::array();
            if (const Binding* b = bindingAt(params, uri)) {
                for (const Span& c : b->contracts)
                    list.push_back(json{{"uri", uri}, {"range", toLsp(c)}});
                list.push_back(json{{"uri", uri}, {"range", toLsp(b->binder)}});
            } else if (const DocumentIndex* index = indexOf(uri)) {
                const SourcePos p = fromLsp(params.at("position"));
                for (const auto& [span, text] : index->quotedSends)
                    if (span.contains(p))
                        for (const ContractSymbol& c : index->contracts)
                            if (c.name == text)
                                list.push_back(json{{"uri", uri}, {"range", toLsp(c.channel)}});
            }
            if (list.empty())
                return json(nullptr);
            return list.size() == 1 ? list[0] : list;
        }
        if (method == "textDocument/references") {
            std::string uri;
            const Binding* b = bindingAt(params, uri);
            json list = json::array();
            if (b != nullptr) {
                const bool withDeclaration =
                    params.value("context", json::object()).value("includeDeclaration", false);
                if (withDeclaration)
                    list.push_back(json{{"uri", uri}, {"range", toLsp(b->binder)}});
                for (const Span& u : b->uses)
                    list.push_back(json{{"uri", uri}, {"range", toLsp(u)}});
            }
            return list;
        }
        if (method == "textDocument/hover") {
            std::string uri;
            const Binding* b = bindingAt(params, uri);
            if (b == nullptr)
                return json(nullptr);
            const std::string text =
                "`" + b->name + "`: a " + (b->isName ? "name" : "process") + ", bound by " + b->boundBy +
                " at " + std::to_string(b->binder.pos.line) + ":" + std::to_string(b->binder.pos.col) + "; " +
                std::to_string(b->uses.size()) + (b->uses.size() == 1 ? " use" : " uses");
            return json{{"contents", {{"kind", "markdown"}, {"value", text}}}, {"range", toLsp(b->binder)}};
        }
        if (method == "textDocument/documentSymbol") {
            const std::string uri = params.at("textDocument").at("uri").get<std::string>();
            json list = json::array();
            auto it = documents_.find(uri);
            if (it != documents_.end() && it->second.index)
                for (const ContractSymbol& c : it->second.index->contracts)
                    list.push_back(json{{"name", c.name},
                                        {"detail", "contract"},
                                        {"kind", 12}, // Function
                                        {"range", toLsp(c.whole)},
                                        {"selectionRange", toLsp(c.channel)}});
            return list;
        }
        return std::nullopt;
    }

    std::FILE* in_;
    std::FILE* out_;
    bool shutdown_ = false;
    std::map<std::string, Document> documents_;
};

} // namespace

int runLanguageServer(std::FILE* in, std::FILE* out) {
    return Server(in, out).run();
}

} // namespace rho::cli
