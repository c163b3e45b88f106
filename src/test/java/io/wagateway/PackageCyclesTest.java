package io.wagateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No package of the gateway may depend on a package that depends on it (issue 17 item 6). A package depends on
 * another when one of its source files names a class of it: an import, or a fully qualified name in code or Javadoc
 * (stricter than the compiled classes, which forget Javadoc). Cycles are found as strongly connected components
 * (Tarjan), so a failure lists every package caught in one, with the files that make each edge.
 */
class PackageCyclesTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern CLASS_REF = Pattern.compile("\\b(io\\.wagateway(?:\\.[a-z]\\w*)*)\\.[A-Z]\\w*");

    @Test
    void noPackageDependsOnAPackageThatDependsOnIt() throws IOException {
        Map<String, Map<String, Set<String>>> graph = packageGraph(SOURCES);
        assertThat(graph).as("packages read from %s", SOURCES).hasSizeGreaterThan(10);
        List<Set<String>> cycles = cycles(graph);
        StringBuilder why = new StringBuilder();
        for (Set<String> cycle : cycles) {
            why.append("\ncycle ").append(cycle);
            for (String from : cycle) {
                graph.get(from).forEach((to, files) -> {
                    if (cycle.contains(to)) {
                        why.append("\n  ").append(from).append(" -> ").append(to).append(' ').append(files);
                    }
                });
            }
        }
        assertThat(cycles).as(why.toString()).isEmpty();
    }

    @Test
    void theCheckFindsACycle() {
        Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
        edge(graph, "a", "b");
        edge(graph, "b", "c");
        edge(graph, "c", "a");
        edge(graph, "c", "d");
        edge(graph, "d", "e");
        assertThat(cycles(graph)).containsExactly(Set.of("a", "b", "c"));
        graph.get("c").remove("a");
        assertThat(cycles(graph)).isEmpty();
    }

    private static void edge(Map<String, Map<String, Set<String>>> graph, String from, String to) {
        graph.computeIfAbsent(from, k -> new TreeMap<>()).computeIfAbsent(to, k -> new TreeSet<>()).add(from + ".java");
        graph.computeIfAbsent(to, k -> new TreeMap<>());
    }

    /** @return package → (package it names → the files that name it) */
    static Map<String, Map<String, Set<String>>> packageGraph(Path root) throws IOException {
        Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                String source;
                try {
                    source = Files.readString(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                Matcher p = PACKAGE.matcher(source);
                if (!p.find()) {
                    return;
                }
                String pkg = p.group(1);
                Map<String, Set<String>> out = graph.computeIfAbsent(pkg, k -> new TreeMap<>());
                Matcher m = CLASS_REF.matcher(source);
                m.region(p.end(), source.length());
                while (m.find()) {
                    String target = m.group(1);
                    if (!target.equals(pkg)) {
                        out.computeIfAbsent(target, k -> new TreeSet<>()).add(f.getFileName().toString());
                        graph.computeIfAbsent(target, k -> new TreeMap<>());
                    }
                }
            });
        }
        return graph;
    }

    /** @return the strongly connected components of more than one package (Tarjan's algorithm) */
    static List<Set<String>> cycles(Map<String, Map<String, Set<String>>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> cycles = new ArrayList<>();
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, onStack, cycles);
            }
        }
        return cycles;
    }

    private static void connect(String v, Map<String, Map<String, Set<String>>> graph, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> cycles) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Map.of()).keySet()) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, cycles);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                cycles.add(component);
            }
        }
    }
}
