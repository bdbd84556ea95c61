package io.tunecard.worker;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

class JsonSchemaTest {
  private static JsonNode json(String text) {
    try {
      return Jsonl.MAPPER.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static final JsonSchema SCHEMA =
      JsonSchema.of(
          "test",
          json(
              "{'type':'object','additionalProperties':false,'required':['n','kind'],"
                  + "'properties':{"
                  + "'n':{'type':'integer','minimum':1},"
                  + "'x':{'type':['number','null'],'exclusiveMinimum':0,'maximum':1},"
                  + "'kind':{'enum':['a','b']},"
                  + "'v':{'const':1},"
                  + "'list':{'type':'array','minItems':1,'items':{'type':'string'}}}}"));

  @Test
  void aValidValueHasNoViolations() {
    assertThat(SCHEMA.violations(json("{'n':3,'x':null,'kind':'a','v':1.0,'list':['s']}")))
        .isEmpty();
    assertThat(SCHEMA.violations(json("{'n':3.0,'x':1,'kind':'b'}"))).isEmpty();
  }

  @Test
  void everyViolationNamesItsPathAndWhatWasExpected() {
    assertThat(SCHEMA.violations(json("{'n':0,'x':0,'kind':'c','v':2,'list':[],'extra':true}")))
        .containsExactly(
            "$.n: expected an integer >= 1, found 0",
            "$.x: expected a number > 0 and <= 1 or null, found 0",
            "$.kind: expected one of [a, b], found \"c\"",
            "$.v: expected 1, found 2",
            "$.list: expected at least 1 item(s), found 0",
            "$.extra: unknown key (expected one of [n, x, kind, v, list])");
    assertThat(SCHEMA.violations(json("{'n':1.5,'list':[3]}")))
        .containsExactly(
            "$.kind: missing (a required key)",
            "$.n: expected an integer >= 1, found 1.5",
            "$.list[0]: expected a string, found 3");
    assertThat(SCHEMA.violations(json("[1]"))).containsExactly("$: expected an object, found [1]");
  }

  @Test
  void oneOfReportsTheAlternativeTheValueMeant() {
    JsonSchema s =
        JsonSchema.of(
            "events",
            json(
                "{'oneOf':["
                    + "{'type':'object','required':['event','a'],'properties':{'event':{'const':'x'},'a':{'type':'integer'}}},"
                    + "{'type':'object','required':['event'],'properties':{'event':{'const':'y'}}}]}"));
    assertThat(s.violations(json("{'event':'x','a':1}"))).isEmpty();
    assertThat(s.violations(json("{'event':'y'}"))).isEmpty();
    assertThat(s.violations(json("{'event':'x','a':'one'}")))
        .containsExactly("$.a: expected an integer, found \"one\"");
    assertThat(s.violations(json("{'event':'z'}")))
        .containsExactly("$.event: expected one of [x, y], found \"z\"");
    assertThat(s.violations(json("{'a':1}")))
        .containsExactly("$.event: expected one of [x, y], found nothing (missing)");
  }

  @Test
  void oneOfNamesAValueThatMatchesMoreThanOneAlternative() {
    JsonSchema s = JsonSchema.of("either", json("{'oneOf':[{'type':'integer'},{'minimum':0}]}"));
    assertThat(s.violations(json("-1"))).isEmpty();
    assertThat(s.violations(json("1")))
        .containsExactly("$: matches more than one alternative of the schema");
    assertThat(s.violations(json("-0.5")))
        .containsExactly("$: expected one of the schema's alternatives, found -0.5");
  }

  @Test
  void aNumberTooLargeForADoubleIsAViolationWhereverItIs() {
    // 5e1214 reads as Infinity; the other keys are still checked
    assertThat(SCHEMA.violations(json("{'n':5e1214,'kind':'c','x':-5e1214,'list':['s',5e1214]}")))
        .containsExactly(
            "$.n: expected a finite number, found Infinity",
            "$.kind: expected one of [a, b], found \"c\"",
            "$.x: expected a finite number, found -Infinity",
            "$.list[1]: expected a finite number, found Infinity");
    assertThat(SCHEMA.violations(json("5e1214")))
        .containsExactly("$: expected a finite number, found Infinity");
  }

  @Test
  void keywordsWithoutOwnWordingAreReportedAtTheirPathInTheLibrarysWords() {
    JsonSchema s =
        JsonSchema.of("pattern", json("{'properties':{'a':{'type':'string','pattern':'^a'}}}"));
    assertThat(s.violations(json("{'a':'abc'}"))).isEmpty();
    assertThat(s.violations(json("{'a':'b'}")))
        .singleElement(as(InstanceOfAssertFactories.STRING))
        .startsWith("$.a: ")
        .contains("^a");
  }

  @Test
  void unknownKeywordsAreRefusedWhenLoading() {
    assertThatThrownBy(() -> JsonSchema.of("bad", json("{'type':'string','patern':'^a'}")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("schema bad: Keyword 'patern' is unknown");
    assertThatThrownBy(
            () -> JsonSchema.of("bad", json("{'oneOf':[{'properties':{'a':{'minimun':1}}}]}")))
        .hasMessageContaining("Keyword 'minimun' is unknown");
  }

  @Test
  void theProtocolSchemasLoad() {
    assertThat(WorkerSpec.SCHEMA.name()).isEqualTo("spec.schema.json");
    assertThat(WorkerEvent.SCHEMA.name()).isEqualTo("events.schema.json");
  }
}
