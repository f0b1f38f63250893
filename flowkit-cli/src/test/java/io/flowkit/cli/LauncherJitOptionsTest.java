package io.flowkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@code flowkit} launcher names methods in {@code -XX:CompileCommand=dontinline,...}; the JVM
 * ignores a name that matches nothing (quietly, with {@code CompileCommand=quiet}), so a rename
 * would drop the tuning unnoticed. This test resolves every name against the classes, and starts
 * this JVM with all of the launcher's JIT options, which it refuses to do if one is unknown.
 */
class LauncherJitOptionsTest {
    private static final Path LAUNCHER = Path.of("../flowkit");
    private static final Pattern DONT_INLINE = Pattern.compile("dontinline,([\\w/$]+)\\.([\\w*<>]+)");

    @Test
    void everyMethodTheLauncherKeepsOutOfLineExists() throws IOException, ClassNotFoundException {
        String script = Files.readString(LAUNCHER);
        Matcher m = DONT_INLINE.matcher(script);
        List<String> targets = new ArrayList<>();
        while (m.find()) {
            Class<?> type = Class.forName(m.group(1).replace('/', '.'));
            String method = m.group(2);
            Method[] methods = type.getDeclaredMethods();
            if (method.equals("*")) {
                assertThat(methods).as("methods of %s", type.getName()).isNotEmpty();
            } else {
                assertThat(Arrays.stream(methods).map(Method::getName))
                        .as("%s in %s", method, type.getName()).contains(method);
            }
            targets.add(m.group(1) + "." + method);
        }
        assertThat(targets).as("dontinline targets in the launcher").isNotEmpty();
    }

    @Test
    void thisJvmAcceptsEveryJitOptionOfTheLauncher() throws IOException, InterruptedException {
        String script = Files.readString(LAUNCHER);
        Matcher block = Pattern.compile("(?m)^jit=\\(([^)]*)\\)").matcher(script);
        assertThat(block.find()).as("the launcher's jit=(...) options").isTrue();
        List<String> options = Arrays.stream(block.group(1).trim().split("\\s+")).toList();
        assertThat(options).allMatch(o -> o.startsWith("-XX:")).anyMatch(o -> o.startsWith("-XX:Tier4"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.add("-version");
        Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // an option the JVM does not know, or a value it refuses, stops it before it starts
        assertThat(java.waitFor()).as("java %s -version:%n%s", options, output).isZero();
    }
}
