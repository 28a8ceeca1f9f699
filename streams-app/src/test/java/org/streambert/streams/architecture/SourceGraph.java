package org.streambert.streams.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The dependency graph of the project's main sources, read from the Java files themselves: a top-level class depends
 * on another when it imports it (also statically, or through a wildcard it uses), names it fully qualified in code,
 * or names a class of its own package. Comments, strings and character literals are ignored, so a Javadoc link is
 * not a dependency; compile-time constants, which the compiler inlines and bytecode tools such as jdeps therefore
 * miss, are. Nested classes count as their top-level class.
 *
 * <p>Packages must not depend on each other in a circle, with one exception, as in Kafka Streams' {@code kstream} and
 * {@code kstream.internals}: a package's {@code internals} may use the types of the API they implement
 * ({@code a.b.internals} → {@code a.b} is not counted), so a public package and its machinery are one room.
 * {@code permits} clauses of sealed types are not dependencies either: a sealed type names its subtypes by design.
 */
final class SourceGraph {

  /** One main source file. */
  record Source(String module, String fqn, String pkg, String code, List<String> imports) {
  }

  private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");
  private static final Pattern IMPORT = Pattern.compile("\\bimport\\s+(static\\s+)?([\\w.]+?)(\\.\\*)?\\s*;");
  private static final Pattern PROJECT_NAME = Pattern.compile("(?<![\\w.])(org\\.streambert(?:\\.\\w+)+)");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_$][\\w$]*");
  private static final Pattern PERMITS = Pattern.compile("\\bpermits\\s+[\\w.,\\s]+?(?=\\{)");

  private final Map<String, Source> sources = new TreeMap<>();
  private final Map<String, Set<String>> edges = new TreeMap<>();
  /** Inline fully-qualified names of project classes in code, per class. */
  private final Map<String, Set<String>> inlineNames = new TreeMap<>();

  private SourceGraph() {
  }

  /**
   * Reads {@code <module>/src/main/java} of each module under {@code projectRoot}.
   *
   * @throws IllegalStateException if a module has no main sources (the test runs from a whole checkout)
   */
  static SourceGraph read(Path projectRoot, List<String> modules) {
    SourceGraph graph = new SourceGraph();
    for (String module : modules) {
      Path root = projectRoot.resolve(module).resolve("src/main/java");
      if (!Files.isDirectory(root)) {
        throw new IllegalStateException("no main sources of module " + module + " at " + root.toAbsolutePath());
      }
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          graph.add(module, file);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    graph.link();
    return graph;
  }

  /** A graph of the given files' texts (file name → Java source), all in one module: for testing this class. */
  static SourceGraph of(String module, Map<String, String> files) {
    SourceGraph graph = new SourceGraph();
    files.forEach((name, text) -> graph.add(module, name, text));
    graph.link();
    return graph;
  }

  private void add(String module, Path file) throws IOException {
    add(module, file.getFileName().toString(), Files.readString(file));
  }

  private void add(String module, String fileName, String text) {
    if (fileName.equals("package-info.java") || fileName.equals("module-info.java")) {
      return;
    }
    String code = stripCommentsAndLiterals(text);
    Matcher p = PACKAGE.matcher(code);
    String pkg = p.find() ? p.group(1) : "";
    String name = fileName.substring(0, fileName.length() - ".java".length());
    List<String> imports = new ArrayList<>();
    Matcher m = IMPORT.matcher(code);
    while (m.find()) {
      imports.add((m.group(1) != null ? "static " : "") + m.group(2) + (m.group(3) != null ? ".*" : ""));
    }
    String fqn = pkg.isEmpty() ? name : pkg + "." + name;
    sources.put(fqn, new Source(module, fqn, pkg, code, imports));
  }

  private void link() {
    Map<String, List<String>> classesOfPackage = new HashMap<>();
    sources.values().forEach(s -> classesOfPackage.computeIfAbsent(s.pkg(), k -> new ArrayList<>())
        .add(simpleName(s.fqn())));
    for (Source s : sources.values()) {
      Set<String> to = new TreeSet<>();
      Map<String, String> importedSimple = new HashMap<>();
      String body = PERMITS.matcher(PACKAGE.matcher(IMPORT.matcher(s.code()).replaceAll(" ")).replaceAll(" "))
          .replaceAll(" ");
      Set<String> identifiers = new HashSet<>();
      Matcher id = IDENTIFIER.matcher(body);
      while (id.find()) {
        identifiers.add(id.group());
      }
      for (String imp : s.imports()) {
        boolean isStatic = imp.startsWith("static ");
        String name = isStatic ? imp.substring("static ".length()) : imp;
        if (name.endsWith(".*")) {
          String pkgOrClass = name.substring(0, name.length() - 2);
          String type = projectClassPrefix(pkgOrClass);
          if (type != null) {
            to.add(type);
          } else {
            for (String c : classesOfPackage.getOrDefault(pkgOrClass, List.of())) {
              if (identifiers.contains(c)) {
                to.add(pkgOrClass + "." + c);
              }
            }
          }
          continue;
        }
        String type = projectClassPrefix(name);
        if (type != null) {
          to.add(type);
        }
        if (!isStatic) {
          importedSimple.put(simpleName(name), name);
        }
      }
      Matcher fq = PROJECT_NAME.matcher(body);
      while (fq.find()) {
        String type = projectClassPrefix(fq.group(1));
        if (type != null) {
          to.add(type);
          String simple = simpleName(type);
          boolean clash = importedSimple.containsKey(simple) && !importedSimple.get(simple).equals(type)
              || classesOfPackage.getOrDefault(s.pkg(), List.of()).contains(simple) && !s.pkg().equals(packageOf(type));
          if (!clash) { // an inline name is needed where the simple name already means another class
            inlineNames.computeIfAbsent(s.fqn(), k -> new TreeSet<>()).add(fq.group(1));
          }
        }
      }
      for (String c : classesOfPackage.getOrDefault(s.pkg(), List.of())) {
        if (!importedSimple.containsKey(c) && identifiers.contains(c)) {
          to.add(s.pkg().isEmpty() ? c : s.pkg() + "." + c);
        }
      }
      to.remove(s.fqn());
      edges.put(s.fqn(), to);
    }
  }

  /** The project class that {@code name} is or starts with (a nested class, a static member), else null. */
  private String projectClassPrefix(String name) {
    String candidate = name;
    while (true) {
      if (sources.containsKey(candidate)) {
        return candidate;
      }
      int dot = candidate.lastIndexOf('.');
      if (dot < 0) {
        return null;
      }
      candidate = candidate.substring(0, dot);
    }
  }

  Map<String, Source> sources() {
    return sources;
  }

  /** Class → the project classes it depends on. */
  Map<String, Set<String>> classEdges() {
    return edges;
  }

  /** Class → inline fully-qualified project names in its code. */
  Map<String, Set<String>> inlineNames() {
    return inlineNames;
  }

  /** The module of a class of this graph. */
  String moduleOf(String fqn) {
    return sources.get(fqn).module();
  }

  /** Package → packages it depends on, without the edges from a package's internals to that package. */
  Map<String, Set<String>> packageEdges() {
    Map<String, Set<String>> packages = new TreeMap<>();
    edges.forEach((from, tos) -> {
      String a = sources.get(from).pkg();
      Set<String> out = packages.computeIfAbsent(a, k -> new TreeSet<>());
      for (String to : tos) {
        String b = sources.get(to).pkg();
        if (!a.equals(b) && !(isInternal(a) && room(a).equals(b))) {
          out.add(b);
        }
      }
    });
    return packages;
  }

  /** The class edges that lead from package {@code a} to package {@code b}, for messages. */
  List<String> edgesBetweenPackages(String a, String b) {
    List<String> out = new ArrayList<>();
    edges.forEach((from, tos) -> {
      if (sources.get(from).pkg().equals(a)) {
        tos.stream().filter(to -> sources.get(to).pkg().equals(b)).forEach(to -> out.add(from + " -> " + to));
      }
    });
    return out;
  }

  /** A package's room: the package without its {@code internals} part ({@code a.b.internals.x} → {@code a.b}). */
  static String room(String pkg) {
    int i = (pkg + ".").indexOf(".internals.");
    return i < 0 ? pkg : pkg.substring(0, i);
  }

  /** Whether a package is machinery ({@code internals} or below it). */
  static boolean isInternal(String pkg) {
    return (pkg + ".").contains(".internals.");
  }

  /** The strongly connected components with more than one node (Tarjan), each sorted; in a stable order. */
  static List<List<String>> cycles(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    List<List<String>> out = new ArrayList<>();
    int[] counter = {0};
    Set<String> nodes = new TreeSet<>(graph.keySet());
    graph.values().forEach(nodes::addAll);
    for (String v : nodes) {
      if (!index.containsKey(v)) {
        strongConnect(v, graph, index, low, stack, onStack, out, counter);
      }
    }
    out.sort((x, y) -> x.get(0).compareTo(y.get(0)));
    return out;
  }

  // Iterative Tarjan: the class graph is deep enough that recursion would be a risk on small stacks.
  private static void strongConnect(String root, Map<String, Set<String>> graph, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<List<String>> out, int[] counter) {
    Deque<Map.Entry<String, Iterator<String>>> work = new ArrayDeque<>();
    visit(root, graph, index, low, stack, onStack, work, counter);
    while (!work.isEmpty()) {
      Map.Entry<String, Iterator<String>> top = work.peek();
      String v = top.getKey();
      if (top.getValue().hasNext()) {
        String w = top.getValue().next();
        if (!index.containsKey(w)) {
          visit(w, graph, index, low, stack, onStack, work, counter);
        } else if (onStack.contains(w)) {
          low.put(v, Math.min(low.get(v), index.get(w)));
        }
        continue;
      }
      work.pop();
      if (!work.isEmpty()) {
        String parent = work.peek().getKey();
        low.put(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v).equals(index.get(v))) {
        List<String> component = new ArrayList<>();
        String w;
        do {
          w = stack.pop();
          onStack.remove(w);
          component.add(w);
        } while (!w.equals(v));
        if (component.size() > 1) {
          component.sort(String::compareTo);
          out.add(component);
        }
      }
    }
  }

  private static void visit(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
      Deque<Map.Entry<String, Iterator<String>>> work, int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    work.push(Map.entry(v, graph.getOrDefault(v, Set.of()).iterator()));
  }

  private static String packageOf(String fqn) {
    int dot = fqn.lastIndexOf('.');
    return dot < 0 ? "" : fqn.substring(0, dot);
  }

  private static String simpleName(String fqn) {
    return fqn.substring(fqn.lastIndexOf('.') + 1);
  }

  /**
   * The source with comments, string and character literals (text blocks too) replaced by spaces, so that only code
   * is searched for names.
   */
  static String stripCommentsAndLiterals(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
        while (i < n && s.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
        int end = s.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        out.append(' ');
      } else if (c == '"' && s.startsWith("\"\"\"", i)) {
        int end = s.indexOf("\"\"\"", i + 3);
        while (end > 0 && s.charAt(end - 1) == '\\') {
          end = s.indexOf("\"\"\"", end + 1);
        }
        i = end < 0 ? n : end + 3;
        out.append("\"\"");
      } else if (c == '"' || c == '\'') {
        i++;
        while (i < n && s.charAt(i) != c && s.charAt(i) != '\n') {
          i += s.charAt(i) == '\\' ? 2 : 1;
        }
        i++;
        out.append(c).append(c);
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** A readable list of a cycle's members with the edges among them. */
  String describeClassCycle(List<String> members) {
    Set<String> in = new HashSet<>(members);
    Map<String, List<String>> lines = new LinkedHashMap<>();
    for (String m : members) {
      lines.put(m, edges.getOrDefault(m, Set.of()).stream().filter(in::contains).toList());
    }
    StringBuilder sb = new StringBuilder();
    lines.forEach((from, tos) -> sb.append("\n    ").append(from).append(" -> ").append(tos));
    return sb.toString();
  }
}
