package io.tunecard.card;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.ITemplateContext;
import org.thymeleaf.messageresolver.IMessageResolver;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.AbstractConfigurableTemplateResolver;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;
import org.thymeleaf.templateresolver.FileTemplateResolver;

/**
 * Where the card's templates and message bundles live: a directory (to replace them) or the copy of
 * the repository's {@code templates/} packed on the class path. {@code *.md} templates run in
 * Thymeleaf's TEXT mode, {@code *.html} in HTML mode.
 */
final class Templates {
  static final String CLASSPATH_ROOT = "io/tunecard/card/templates/";
  private final Path dir;

  /**
   * @param dir a templates directory, or null for the packed default
   */
  Templates(Path dir) {
    if (dir != null && !Files.isDirectory(dir)) {
      throw new io.tunecard.files.BadInputException(dir + ": not a templates directory");
    }
    this.dir = dir;
  }

  String describe() {
    return dir == null ? "classpath:" + CLASSPATH_ROOT : dir.toString();
  }

  TemplateEngine engine(Map<Locale, Messages> bundles) {
    AbstractConfigurableTemplateResolver resolver;
    if (dir == null) {
      var r = new ClassLoaderTemplateResolver(Templates.class.getClassLoader());
      r.setPrefix(CLASSPATH_ROOT);
      resolver = r;
    } else {
      var r = new FileTemplateResolver();
      r.setPrefix(dir.toAbsolutePath() + "/");
      resolver = r;
    }
    resolver.setCharacterEncoding("UTF-8");
    resolver.setTemplateMode(TemplateMode.TEXT);
    resolver.setTextTemplateModePatterns(Set.of("*.md"));
    resolver.setHtmlTemplateModePatterns(Set.of("*.html"));
    resolver.setCheckExistence(true);
    resolver.setCacheable(true);
    TemplateEngine engine = new TemplateEngine();
    engine.setTemplateResolver(resolver);
    engine.setMessageResolver(new BundleResolver(bundles));
    return engine;
  }

  /** Reads {@code card_<lang>.properties} as UTF-8. */
  Messages messages(Locale locale) {
    String name = "card_" + locale.getLanguage() + ".properties";
    try (InputStream in = open(name)) {
      if (in == null) {
        throw new io.tunecard.files.BadInputException(
            describe() + ": no message bundle " + name + " (language '" + locale + "')");
      }
      Properties p = new Properties();
      try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        p.load(r);
      }
      Map<String, String> texts = new LinkedHashMap<>();
      p.stringPropertyNames().forEach(k -> texts.put(k, p.getProperty(k)));
      return new Messages(locale, texts, describe() + "/" + name);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private InputStream open(String name) throws IOException {
    if (dir == null) {
      return Templates.class.getClassLoader().getResourceAsStream(CLASSPATH_ROOT + name);
    }
    Path p = dir.resolve(name);
    return Files.isRegularFile(p) ? Files.newInputStream(p) : null;
  }

  /** Thymeleaf's {@code #{key(args)}} from our bundles, by the context's locale. */
  private static final class BundleResolver implements IMessageResolver {
    private final Map<Locale, Messages> bundles;

    BundleResolver(Map<Locale, Messages> bundles) {
      this.bundles = bundles;
    }

    @Override
    public String getName() {
      return "card-bundles";
    }

    @Override
    public Integer getOrder() {
      return 0;
    }

    @Override
    public String resolveMessage(
        ITemplateContext context, Class<?> origin, String key, Object[] messageParameters) {
      Messages m = bundles.get(context.getLocale());
      if (m == null) {
        throw new IllegalStateException("no messages for locale " + context.getLocale());
      }
      return m.get(key, messageParameters == null ? new Object[0] : messageParameters);
    }

    @Override
    public String createAbsentMessageRepresentation(
        ITemplateContext context, Class<?> origin, String key, Object[] messageParameters) {
      throw new IllegalStateException("no message '" + key + "' for " + context.getLocale());
    }
  }
}
