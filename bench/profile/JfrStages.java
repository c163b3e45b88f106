import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the gateway's CPU goes, from a Java Flight Recorder file: every {@code jdk.ExecutionSample} (a thread seen
 * running on a CPU) is counted three ways.
 * <ul>
 *   <li><b>stage</b>: the innermost frame of the gateway's own code ({@code io.wagateway.*}, class and method) on the
 *       sample's stack, i.e. which of our steps caused the work, whatever library ran it; samples with none are
 *       named after the thread's pool (Camel routing, HTTP server, Elasticsearch client I/O, GC is not sampled);</li>
 *   <li><b>library</b>: the package (first three parts) of the top frame, i.e. the code that was running;</li>
 *   <li><b>thread</b>: the thread name with its numbers removed (one line per pool).</li>
 * </ul>
 * Usage: {@code java bench/profile/JfrStages.java recording.jfr [rows]}; prints the shares in percent of samples.
 */
public class JfrStages {

    public static void main(String[] args) throws Exception {
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        Map<String, Integer> stages = new HashMap<>();
        Map<String, Integer> libraries = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = e.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            total++;
            List<RecordedFrame> frames = stack.getFrames();
            String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
            String pool = thread == null ? "?" : thread.replaceAll("[0-9]+", "#");
            String stage = null;
            for (RecordedFrame f : frames) {
                String type = f.getMethod().getType().getName();
                if (type.startsWith("io.wagateway.")) {
                    stage = type.substring("io.wagateway.".length()).replaceAll("\\$.*", "") + "."
                            + f.getMethod().getName();
                    break;
                }
            }
            stages.merge(stage != null ? stage : "(no gateway frame) " + pool, 1, Integer::sum);
            String top = frames.get(0).getMethod().getType().getName();
            String[] parts = top.split("\\.");
            libraries.merge(String.join(".", java.util.Arrays.copyOf(parts, Math.min(3, parts.length - 1))), 1,
                    Integer::sum);
            threads.merge(pool, 1, Integer::sum);
        }
        System.out.println("execution samples: " + total);
        print("stage (innermost gateway frame, else thread pool)", stages, total, rows);
        print("library (package of the running frame)", libraries, total, rows);
        print("thread pool", threads, total, rows);
    }

    static void print(String title, Map<String, Integer> counts, int total, int rows) {
        System.out.println();
        System.out.println("## " + title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(rows)
                .forEach(en -> System.out.printf("%6.1f %%  %s%n", 100.0 * en.getValue() / total, en.getKey()));
    }
}
