import Foundation

/// Where presets and impulse responses are found.
///
/// Presets: `presets/` beside the executable, in `../share/sfconv/presets` from it (an install:
/// `make install`), or in the source tree the executable was built in — or, when `SFCONV_DATA`
/// is set, only in `$SFCONV_DATA/presets`; then the user's `$XDG_CONFIG_HOME/sfconv/presets`
/// (default `~/.config/sfconv/presets`). Impulses: the `impulses/` folders beside those.
public enum PresetLibrary {
    /// The folder holding the running executable.
    static var executableFolder: URL {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: link).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Install and source-tree folders that may hold `presets/` and `impulses/`.
    static var shippedRoots: [URL] {
        if let data = ProcessInfo.processInfo.environment["SFCONV_DATA"], !data.isEmpty {
            return [URL(fileURLWithPath: data)]
        }
        let folder = executableFolder
        var roots = [folder, folder.deletingLastPathComponent().appendingPathComponent("share/sfconv")]
        // A build tree: .build/<triple>/<configuration>/sfconv, under the package root.
        var ancestor = folder
        for _ in 0..<6 {
            ancestor = ancestor.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: ancestor.appendingPathComponent("Package.swift").path) {
                roots.append(ancestor)
                break
            }
        }
        return roots
    }

    public static var userPresetFolder: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return base + "/sfconv/presets"
    }

    /// Every folder searched for presets, in order, whether it exists or not.
    public static var presetFolders: [String] {
        shippedRoots.map { $0.appendingPathComponent("presets").path } + [userPresetFolder]
    }

    /// Shipped `impulses/` folders that exist.
    public static func impulseFolders() -> [String] {
        shippedRoots.map { $0.appendingPathComponent("impulses").path }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The preset file for `nameOrPath`: a path when it ends in `.toml` or contains `/`, else a name
    /// looked up in ``presetFolders``.
    public static func locate(_ nameOrPath: String) throws -> String {
        if nameOrPath.hasSuffix(".toml") || nameOrPath.contains("/") {
            guard FileManager.default.fileExists(atPath: nameOrPath) else { throw SFConvError("no such preset file", path: nameOrPath) }
            return nameOrPath
        }
        for folder in presetFolders {
            let candidate = folder + "/" + nameOrPath + ".toml"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        let known = list().map(\.name)
        throw SFConvError("no preset named '\(nameOrPath)'\(suggestion(for: nameOrPath, among: known)); looked in \(presetFolders.joined(separator: ", "))")
    }

    /// Presets found, first of each name winning, sorted by name. Files that fail to load are listed with their error.
    public static func list() -> [(name: String, path: String, description: String?, problem: String?)] {
        var seen = Set<String>()
        var result: [(name: String, path: String, description: String?, problem: String?)] = []
        for folder in presetFolders {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".toml") }.sorted()
            for file in names {
                let path = folder + "/" + file
                let name = String(file.dropLast(5))
                guard seen.insert(name).inserted else { continue }
                do {
                    let chain = try PresetLoader.load(path: path)
                    result.append((name, path, chain.description, nil))
                } catch {
                    result.append((name, path, nil, "\(error)"))
                }
            }
        }
        return result.sorted { $0.name < $1.name }
    }
}
