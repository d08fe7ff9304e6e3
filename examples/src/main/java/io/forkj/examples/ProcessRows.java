package io.forkj.examples;

import io.forkj.FiveState;
import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import io.forkj.ThreeState;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** How the ps, zombies and orphans commands print processes: one table layout and one JSON layout. */
final class ProcessRows {
    private ProcessRows() {
    }

    /** One process with its lifecycle states, sampled once. */
    record Row(ProcessInfo process, Optional<ThreeState> three, FiveState five) {
        /** Rows for these processes, their lifecycle states sampled together in one window. */
        static List<Row> of(List<ProcessInfo> processes) {
            List<Optional<ThreeState>> threes = ProcessTable.threeStates(processes, ProcessTable.DEFAULT_SAMPLING_WINDOW);
            List<Row> rows = new java.util.ArrayList<>(processes.size());
            for (int i = 0; i < processes.size(); i++) {
                Optional<ThreeState> three = threes.get(i);
                rows.add(new Row(processes.get(i), three, three.map(FiveState::of).orElse(FiveState.TERMINATED)));
            }
            return rows;
        }

        String flags() {
            String f = (process.isZombie() ? "zombie," : "") + (process.isOrphan() ? "orphan," : "");
            return f.isEmpty() ? "-" : f.substring(0, f.length() - 1);
        }
    }

    /**
     * The rows as a table. Padded by hand, not with {@code printf}: {@link java.util.Formatter} loads the locale
     * data on its first use, a cost a one-shot {@code forkj ps} feels.
     */
    static void table(List<Row> rows, PrintStream out, String extraHeader, java.util.function.Function<Row, String> extra) {
        StringBuilder line = new StringBuilder(128);
        right(line, "PID", 7).append(' ');
        right(line, "PPID", 7).append(' ');
        left(line, "STAT", 5).append(' ');
        left(line, "THREE", 8).append(' ');
        left(line, "FIVE", 10).append(' ');
        left(line, "FLAGS", 14).append(' ').append("COMMAND");
        if (!extraHeader.isEmpty()) {
            line.append("  ").append(extraHeader);
        }
        out.println(line);
        for (Row r : rows) {
            ProcessInfo p = r.process();
            line.setLength(0);
            right(line, Integer.toString(p.pid()), 7).append(' ');
            right(line, Integer.toString(p.ppid()), 7).append(' ');
            left(line, p.stat(), 5).append(' ');
            left(line, r.three().map(Enum::name).orElse("-"), 8).append(' ');
            left(line, r.five().name(), 10).append(' ');
            left(line, r.flags(), 14).append(' ').append(printable(p.comm()));
            if (!extraHeader.isEmpty()) {
                line.append("  ").append(extra.apply(r));
            }
            out.println(line);
        }
    }

    /** {@code %-Ns}: the text, then spaces up to {@code width}. */
    private static StringBuilder left(StringBuilder line, String text, int width) {
        line.append(text);
        for (int i = text.length(); i < width; i++) {
            line.append(' ');
        }
        return line;
    }

    /** {@code %Ns}: spaces up to {@code width}, then the text. */
    private static StringBuilder right(StringBuilder line, String text, int width) {
        for (int i = text.length(); i < width; i++) {
            line.append(' ');
        }
        return line.append(text);
    }

    /** Extra fields a command adds to each JSON object. */
    interface ExtraFields {
        void write(Row row, JsonGenerator json) throws IOException;
    }

    /** The rows as a JSON array, one object per line, written with Jackson's streaming generator. */
    static void json(List<Row> rows, PrintStream out, ExtraFields extra) {
        try {
            JsonGenerator json = new JsonFactory().createGenerator(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            json.setPrettyPrinter(new MinimalPrettyPrinter() {
                @Override
                public void writeStartArray(JsonGenerator g) throws IOException {
                    g.writeRaw('[');
                }

                @Override
                public void beforeArrayValues(JsonGenerator g) throws IOException {
                    g.writeRaw("\n  ");
                }

                @Override
                public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
                    g.writeRaw(",\n  ");
                }

                @Override
                public void writeEndArray(JsonGenerator g, int values) throws IOException {
                    g.writeRaw(values == 0 ? "]" : "\n]");
                }

                @Override
                public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
                    g.writeRaw(": ");
                }

                @Override
                public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
                    g.writeRaw(", ");
                }
            });
            json.writeStartArray();
            for (Row r : rows) {
                ProcessInfo p = r.process();
                json.writeStartObject();
                json.writeNumberField("pid", p.pid());
                json.writeNumberField("ppid", p.ppid());
                json.writeNumberField("pgid", p.pgid());
                json.writeNumberField("sid", p.sid());
                json.writeStringField("comm", p.comm());
                json.writeStringField("state", String.valueOf(p.state()));
                json.writeStringField("stat", p.stat());
                if (r.three().isPresent()) {
                    json.writeStringField("threeState", r.three().get().name());
                } else {
                    json.writeNullField("threeState");
                }
                json.writeStringField("fiveState", r.five().name());
                json.writeBooleanField("zombie", p.isZombie());
                json.writeBooleanField("orphan", p.isOrphan());
                json.writeStringField("startTime", p.startTime().toString());
                extra.write(r, json);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeRaw('\n');
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** No extra fields. */
    static final ExtraFields NONE = (row, json) -> { };

    /** A command name made safe for one terminal line (names may hold newlines). */
    static String printable(String comm) {
        return comm.replace("\n", "\\n").replace("\t", "\\t");
    }
}
