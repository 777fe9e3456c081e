using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecurityCoach.Workflow;

/// <summary>Builds a <see cref="StateMachineDefinition"/> while collecting every validation error with its path.</summary>
internal sealed class DefinitionParser(Func<string, bool>? isKnownResource, WorkflowLimits limits)
{
    private static readonly string[] Common = ["Type", "Comment"];
    private static readonly string[] Flow = ["Next", "End", "InputPath", "OutputPath"];
    private static readonly string[] Result = ["ResultPath", "Parameters", "ResultSelector", "Retry", "Catch"];

    private static readonly Dictionary<StateType, HashSet<string>> AllowedFields = new()
    {
        [StateType.Pass] = [.. Common, .. Flow, "ResultPath", "Parameters", "Result"],
        [StateType.Task] = [.. Common, .. Flow, .. Result, "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials"],
        [StateType.Choice] = [.. Common, "InputPath", "OutputPath", "Choices", "Default"],
        [StateType.Wait] = [.. Common, .. Flow, "Seconds", "Timestamp", "SecondsPath", "TimestampPath"],
        [StateType.Succeed] = [.. Common, "InputPath", "OutputPath"],
        [StateType.Fail] = [.. Common, "Error", "Cause", "ErrorPath", "CausePath"],
        [StateType.Parallel] = [.. Common, .. Flow, .. Result, "Branches"],
        [StateType.Map] = [.. Common, .. Flow, .. Result, "ItemsPath", "ItemSelector", "Iterator", "ItemProcessor", "MaxConcurrency"],
    };

    private static readonly HashSet<string> JsonataFields = ["QueryLanguage", "Arguments", "Output", "Assign", "Items", "Condition"];

    private readonly List<ValidationError> _errors = [];

    public StateMachineParseResult Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return new(null, [new("$", $"not valid JSON: {e.Message}")]);
        }

        using (document)
        {
            var machine = ParseMachine(document.RootElement, "$", topLevel: true);
            return _errors.Count == 0 && machine is not null ? new(machine, []) : new(null, _errors.ToList());
        }
    }

    private void Error(string path, string message) => _errors.Add(new(path, message));

    private StateMachineDefinition? ParseMachine(JsonElement machine, string path, bool topLevel)
    {
        if (machine.ValueKind != JsonValueKind.Object)
        {
            Error(path, "a state machine must be a JSON object");
            return null;
        }

        int? timeout = null;
        foreach (var property in machine.EnumerateObject())
        {
            var fieldPath = Paths.Field(path, property.Name);
            switch (property.Name)
            {
                case "StartAt" or "States" or "Comment":
                    break;
                case "Version" when topLevel:
                    break;
                case "TimeoutSeconds" when topLevel:
                    timeout = PositiveInteger(property.Value, fieldPath, "TimeoutSeconds");
                    break;
                case "QueryLanguage" when topLevel && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() == "JSONPath":
                    break;
                case "ProcessorConfig" when !topLevel:
                    if (property.Value.ValueKind != JsonValueKind.Object
                        || (property.Value.TryGetProperty("Mode", out var mode) && mode.GetString() != "INLINE"))
                    {
                        Error(fieldPath, "only the INLINE processor mode is supported");
                    }

                    break;
                case "QueryLanguage":
                    Error(fieldPath, "only the JSONPath query language is supported");
                    break;
                default:
                    Error(fieldPath, $"unknown field '{property.Name}'");
                    break;
            }
        }

        var comment = machine.TryGetProperty("Comment", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (!machine.TryGetProperty("States", out var statesElement) || statesElement.ValueKind != JsonValueKind.Object)
        {
            Error(Paths.Field(path, "States"), "States is required and must be an object of states");
            return null;
        }

        var statesPath = Paths.Field(path, "States");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in statesElement.EnumerateObject())
        {
            if (!names.Add(property.Name))
            {
                Error(Paths.Field(statesPath, property.Name), $"state '{property.Name}' is defined more than once");
            }
        }

        if (names.Count == 0)
        {
            Error(statesPath, "States must hold at least one state");
        }

        string? startAt = null;
        if (!machine.TryGetProperty("StartAt", out var startElement) || startElement.ValueKind != JsonValueKind.String)
        {
            Error(Paths.Field(path, "StartAt"), "StartAt is required and must be a state name");
        }
        else if (!names.Contains(startElement.GetString()!))
        {
            Error(Paths.Field(path, "StartAt"), $"StartAt names '{startElement.GetString()}', which is not a state");
        }
        else
        {
            startAt = startElement.GetString()!;
        }

        var states = new Dictionary<string, StateDefinition>(StringComparer.Ordinal);
        foreach (var property in statesElement.EnumerateObject())
        {
            var state = ParseState(property.Name, property.Value, Paths.Field(statesPath, property.Name), names);
            if (state is not null)
            {
                states.TryAdd(property.Name, state);
            }
        }

        if (startAt is not null)
        {
            ReportUnreachable(startAt, states, statesPath);
            if (_errors.Count == 0)
            {
                // Only over a machine with no other problem: a missing target would read as a loop.
                ReportEndless(states, statesPath);
            }
        }

        return startAt is null ? null : new StateMachineDefinition(startAt, states, timeout, comment);
    }

    private void ReportUnreachable(string startAt, Dictionary<string, StateDefinition> states, string statesPath)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal) { startAt };
        var queue = new Queue<string>([startAt]);
        while (queue.Count > 0)
        {
            if (!states.TryGetValue(queue.Dequeue(), out var state))
            {
                continue;
            }

            foreach (var target in Targets(state))
            {
                if (target is not null && reached.Add(target))
                {
                    queue.Enqueue(target);
                }
            }
        }

        foreach (var name in states.Keys)
        {
            if (!reached.Contains(name))
            {
                Error(Paths.Field(statesPath, name), $"state '{name}' cannot be reached from StartAt");
            }
        }
    }

    /// <summary>
    /// A state from which no path leads to an end (a Succeed or Fail state, or <c>End</c>) loops until a limit stops
    /// it: refused here rather than left to fail at run time.
    /// </summary>
    private void ReportEndless(Dictionary<string, StateDefinition> states, string statesPath)
    {
        var ends = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, state) in states)
        {
            if (state.End || state.Type is StateType.Succeed or StateType.Fail)
            {
                ends.Add(name);
            }
        }

        // Grows the set of states that can end until no state joins: a state can end when any of its targets can.
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (name, state) in states)
            {
                if (!ends.Contains(name) && Targets(state).Any(t => t is not null && ends.Contains(t)))
                {
                    ends.Add(name);
                    grew = true;
                }
            }
        }

        foreach (var name in states.Keys)
        {
            if (!ends.Contains(name))
            {
                Error(Paths.Field(statesPath, name), $"state '{name}' can never end: no path from it reaches a Succeed or Fail state or an End");
            }
        }
    }

    private static IEnumerable<string?> Targets(StateDefinition state) =>
        [state.Next, state.Default, .. state.Choices.Select(c => c.Next), .. state.Catch.Select(c => c.Next)];

    private StateDefinition? ParseState(string name, JsonElement state, string path, HashSet<string> names)
    {
        if (state.ValueKind != JsonValueKind.Object)
        {
            Error(path, "a state must be a JSON object");
            return null;
        }

        // Enum.TryParse alone would also take "1" or "Pass,Task".
        if (!state.TryGetProperty("Type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String
            || !Enum.GetNames<StateType>().Contains(typeElement.GetString())
            || !Enum.TryParse<StateType>(typeElement.GetString(), ignoreCase: false, out var type))
        {
            Error(Paths.Field(path, "Type"), "Type is required and must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map");
            return null;
        }

        var allowed = AllowedFields[type];
        foreach (var property in state.EnumerateObject())
        {
            if (allowed.Contains(property.Name))
            {
                continue;
            }

            var fieldPath = Paths.Field(path, property.Name);
            if (property.Name is "Retry" or "Catch")
            {
                Error(fieldPath, $"{property.Name} is only allowed on Task, Parallel and Map states, not on a {type} state");
            }
            else if (property.Name is "Next" or "End" && type is StateType.Choice or StateType.Succeed or StateType.Fail)
            {
                Error(fieldPath, type == StateType.Choice
                    ? $"a Choice state cannot have {property.Name}; each choice rule names its Next"
                    : $"a {type} state is terminal and cannot have {property.Name}");
            }
            else if (JsonataFields.Contains(property.Name))
            {
                Error(fieldPath, $"'{property.Name}' belongs to JSONata or variables, which are not supported");
            }
            else
            {
                Error(fieldPath, $"field '{property.Name}' is not allowed on a {type} state");
            }
        }

        string? next = null;
        var end = false;
        if (allowed.Contains("Next"))
        {
            next = StateName(state, "Next", path, names);
            if (state.TryGetProperty("End", out var endElement))
            {
                if (endElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    Error(Paths.Field(path, "End"), "End must be true or false");
                }
                else
                {
                    end = endElement.GetBoolean();
                }
            }

            if (end && state.TryGetProperty("Next", out _))
            {
                Error(Paths.Field(path, "End"), "a state cannot have both Next and \"End\": true");
            }
            else if (!end && !state.TryGetProperty("Next", out _))
            {
                Error(path, $"a {type} state must have Next or \"End\": true");
            }
        }

        var inputPath = PathField(state, "InputPath", path, reference: false);
        var outputPath = PathField(state, "OutputPath", path, reference: false);
        var resultPath = PathField(state, "ResultPath", path, reference: true);
        var parameters = Template(state, "Parameters", path);
        var resultSelector = Template(state, "ResultSelector", path);
        var retry = state.TryGetProperty("Retry", out var retryElement) && allowed.Contains("Retry")
            ? ParseRetriers(retryElement, Paths.Field(path, "Retry"))
            : [];
        var catchers = state.TryGetProperty("Catch", out var catchElement) && allowed.Contains("Catch")
            ? ParseCatchers(catchElement, Paths.Field(path, "Catch"), names)
            : [];

        var definition = new StateDefinition
        {
            Name = name,
            Type = type,
            Next = next,
            End = end,
            InputPath = inputPath,
            OutputPath = outputPath,
            ResultPath = resultPath,
            Parameters = type == StateType.Map ? null : parameters,
            ResultSelector = resultSelector,
            Retry = retry,
            Catch = catchers,
        };

        return type switch
        {
            StateType.Pass => ParsePass(state, definition),
            StateType.Task => ParseTask(state, path, definition),
            StateType.Choice => ParseChoice(state, path, names, definition),
            StateType.Wait => ParseWait(state, path, definition),
            StateType.Fail => ParseFail(state, path, definition),
            StateType.Parallel => ParseParallel(state, path, definition),
            StateType.Map => ParseMap(state, path, definition, parameters),
            _ => definition,
        };
    }

    private static StateDefinition ParsePass(JsonElement state, StateDefinition definition)
    {
        var hasResult = state.TryGetProperty("Result", out var result);
        return definition with { HasResult = hasResult, Result = hasResult ? JsonNode.Parse(result.GetRawText()) : null };
    }

    private StateDefinition ParseTask(JsonElement state, string path, StateDefinition definition)
    {
        string? resource = null;
        var resourcePath = Paths.Field(path, "Resource");
        if (!state.TryGetProperty("Resource", out var resourceElement) || resourceElement.ValueKind != JsonValueKind.String
            || resourceElement.GetString()!.Length == 0)
        {
            Error(resourcePath, "a Task state needs a Resource (a non-empty string)");
        }
        else
        {
            resource = resourceElement.GetString()!;
            if (isKnownResource is not null && !isKnownResource(resource))
            {
                Error(resourcePath, $"unknown resource '{resource}'");
            }
        }

        int? timeout = null;
        int? heartbeat = null;
        if (state.TryGetProperty("TimeoutSeconds", out var timeoutElement))
        {
            timeout = PositiveInteger(timeoutElement, Paths.Field(path, "TimeoutSeconds"), "TimeoutSeconds");
            if (state.TryGetProperty("TimeoutSecondsPath", out _))
            {
                Error(Paths.Field(path, "TimeoutSecondsPath"), "use TimeoutSeconds or TimeoutSecondsPath, not both");
            }
        }

        if (state.TryGetProperty("HeartbeatSeconds", out var heartbeatElement))
        {
            heartbeat = PositiveInteger(heartbeatElement, Paths.Field(path, "HeartbeatSeconds"), "HeartbeatSeconds");
            if (state.TryGetProperty("HeartbeatSecondsPath", out _))
            {
                Error(Paths.Field(path, "HeartbeatSecondsPath"), "use HeartbeatSeconds or HeartbeatSecondsPath, not both");
            }
        }

        var effectiveTimeout = timeout ?? StateMachineDefinition.DefaultTaskTimeoutSeconds;
        if (heartbeat is not null && !state.TryGetProperty("TimeoutSecondsPath", out _) && heartbeat >= effectiveTimeout)
        {
            Error(Paths.Field(path, "HeartbeatSeconds"), $"HeartbeatSeconds ({heartbeat}) must be smaller than TimeoutSeconds ({effectiveTimeout})");
        }

        var timeoutPath = state.TryGetProperty("TimeoutSecondsPath", out _) ? PathField(state, "TimeoutSecondsPath", path, reference: true) : null;
        if (state.TryGetProperty("HeartbeatSecondsPath", out _))
        {
            PathField(state, "HeartbeatSecondsPath", path, reference: true);
        }

        return definition with { Resource = resource, TimeoutSeconds = timeout, TimeoutSecondsPath = timeoutPath, HeartbeatSeconds = heartbeat };
    }

    private StateDefinition ParseChoice(JsonElement state, string path, HashSet<string> names, StateDefinition definition)
    {
        var choicesPath = Paths.Field(path, "Choices");
        var choices = new List<(ChoiceRule, string)>();
        if (!state.TryGetProperty("Choices", out var choicesElement) || choicesElement.ValueKind != JsonValueKind.Array
            || choicesElement.GetArrayLength() == 0)
        {
            Error(choicesPath, "a Choice state needs Choices: a non-empty array of choice rules");
        }
        else
        {
            var index = 0;
            foreach (var element in choicesElement.EnumerateArray())
            {
                var rulePath = Paths.Index(choicesPath, index++);
                var rule = ChoiceRule.Compile(element, rulePath, topLevel: true, _errors);
                var next = element.ValueKind == JsonValueKind.Object ? StateName(element, "Next", rulePath, names) : null;
                if (rule is not null && next is not null)
                {
                    choices.Add((rule, next));
                }
            }
        }

        return definition with { Choices = choices, Default = StateName(state, "Default", path, names) };
    }

    private StateDefinition ParseWait(JsonElement state, string path, StateDefinition definition)
    {
        string[] kinds = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];
        var present = kinds.Where(k => state.TryGetProperty(k, out _)).ToList();
        if (present.Count != 1)
        {
            Error(path, $"a Wait state needs exactly one of Seconds, Timestamp, SecondsPath or TimestampPath, found {(present.Count == 0 ? "none" : string.Join(", ", present))}");
            return definition;
        }

        var field = state.GetProperty(present[0]);
        var fieldPath = Paths.Field(path, present[0]);
        switch (present[0])
        {
            case "Seconds":
                if (field.ValueKind != JsonValueKind.Number || !field.TryGetInt32(out var seconds) || seconds < 0)
                {
                    Error(fieldPath, "Seconds must be a non-negative integer");
                    return definition;
                }

                return definition with { Seconds = seconds };
            case "Timestamp":
                if (field.ValueKind != JsonValueKind.String || !Timestamps.TryParse(field.GetString()!, out var timestamp))
                {
                    Error(fieldPath, "Timestamp must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z");
                    return definition;
                }

                return definition with { Timestamp = timestamp };
            case "SecondsPath":
                return definition with { SecondsPath = PathField(state, "SecondsPath", path, reference: true) };
            default:
                return definition with { TimestampPath = PathField(state, "TimestampPath", path, reference: true) };
        }
    }

    private StateDefinition ParseFail(JsonElement state, string path, StateDefinition definition)
    {
        string? Text(string field)
        {
            if (!state.TryGetProperty(field, out var element))
            {
                return null;
            }

            if (element.ValueKind != JsonValueKind.String)
            {
                Error(Paths.Field(path, field), $"{field} must be a string");
                return null;
            }

            if (state.TryGetProperty(field + "Path", out _))
            {
                Error(Paths.Field(path, field + "Path"), $"use {field} or {field}Path, not both");
            }

            return element.GetString();
        }

        var error = Text("Error");
        var cause = Text("Cause");
        var errorPath = state.TryGetProperty("ErrorPath", out _) ? PathField(state, "ErrorPath", path, reference: true) : null;
        var causePath = state.TryGetProperty("CausePath", out _) ? PathField(state, "CausePath", path, reference: true) : null;
        return definition with { Error = error, Cause = cause, ErrorPath = errorPath, CausePath = causePath };
    }

    private StateDefinition ParseParallel(JsonElement state, string path, StateDefinition definition)
    {
        var branchesPath = Paths.Field(path, "Branches");
        if (!state.TryGetProperty("Branches", out var branchesElement) || branchesElement.ValueKind != JsonValueKind.Array
            || branchesElement.GetArrayLength() == 0)
        {
            Error(branchesPath, "a Parallel state needs Branches: a non-empty array of state machines");
            return definition;
        }

        var branches = new List<StateMachineDefinition>();
        var index = 0;
        foreach (var branch in branchesElement.EnumerateArray())
        {
            var parsed = ParseMachine(branch, Paths.Index(branchesPath, index++), topLevel: false);
            if (parsed is not null)
            {
                branches.Add(parsed);
            }
        }

        return definition with { Branches = branches };
    }

    private StateDefinition ParseMap(JsonElement state, string path, StateDefinition definition, PayloadTemplate? parameters)
    {
        var hasIterator = state.TryGetProperty("Iterator", out var iterator);
        var hasProcessor = state.TryGetProperty("ItemProcessor", out var processor);
        StateMachineDefinition? itemProcessor = null;
        if (hasIterator && hasProcessor)
        {
            Error(Paths.Field(path, "Iterator"), "use ItemProcessor or the legacy Iterator, not both");
        }
        else if (!hasIterator && !hasProcessor)
        {
            Error(path, "a Map state needs an ItemProcessor (or the legacy Iterator)");
        }
        else
        {
            itemProcessor = ParseMachine(hasProcessor ? processor : iterator, Paths.Field(path, hasProcessor ? "ItemProcessor" : "Iterator"), topLevel: false);
        }

        var itemSelector = Template(state, "ItemSelector", path);
        if (itemSelector is not null && parameters is not null)
        {
            Error(Paths.Field(path, "Parameters"), "use ItemSelector or the legacy Parameters, not both");
        }

        int? maxConcurrency = null;
        if (state.TryGetProperty("MaxConcurrency", out var concurrency))
        {
            if (concurrency.ValueKind != JsonValueKind.Number || !concurrency.TryGetInt32(out var value) || value < 0)
            {
                Error(Paths.Field(path, "MaxConcurrency"), "MaxConcurrency must be a non-negative integer");
            }
            else
            {
                maxConcurrency = value;
            }
        }

        var itemsPath = state.TryGetProperty("ItemsPath", out _) ? PathField(state, "ItemsPath", path, reference: true) : JsonPath.Root;
        return definition with
        {
            ItemProcessor = itemProcessor,
            ItemsPath = itemsPath ?? JsonPath.Root,
            ItemSelector = itemSelector ?? parameters,
            MaxConcurrency = maxConcurrency,
        };
    }

    private List<Retrier> ParseRetriers(JsonElement retry, string path)
    {
        var retriers = new List<Retrier>();
        if (retry.ValueKind != JsonValueKind.Array)
        {
            Error(path, "Retry must be an array of retriers");
            return retriers;
        }

        var count = retry.GetArrayLength();
        var index = 0;
        foreach (var element in retry.EnumerateArray())
        {
            var retrierPath = Paths.Index(path, index);
            var isLast = ++index == count;
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(retrierPath, "a retrier must be an object");
                continue;
            }

            var errorEquals = ErrorEquals(element, retrierPath, isLast, "retrier");
            var interval = 1;
            var maxAttempts = 3;
            var backoff = 2.0;
            int? maxDelay = null;
            var jitter = JitterStrategy.None;
            foreach (var property in element.EnumerateObject())
            {
                var fieldPath = Paths.Field(retrierPath, property.Name);
                switch (property.Name)
                {
                    case "ErrorEquals" or "Comment":
                        break;
                    case "IntervalSeconds":
                        interval = PositiveInteger(property.Value, fieldPath, "IntervalSeconds") ?? interval;
                        break;
                    case "MaxAttempts":
                        if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out maxAttempts) || maxAttempts < 0)
                        {
                            Error(fieldPath, "MaxAttempts must be a non-negative integer");
                        }
                        else if (maxAttempts > limits.MaxRetryAttempts)
                        {
                            Error(fieldPath, $"MaxAttempts is {maxAttempts}; at most {limits.MaxRetryAttempts} retries are allowed");
                        }

                        break;
                    case "BackoffRate":
                        if (property.Value.ValueKind != JsonValueKind.Number || property.Value.GetDouble() < 1.0)
                        {
                            Error(fieldPath, "BackoffRate must be a number greater than or equal to 1.0");
                        }
                        else
                        {
                            backoff = property.Value.GetDouble();
                        }

                        break;
                    case "MaxDelaySeconds":
                        maxDelay = PositiveInteger(property.Value, fieldPath, "MaxDelaySeconds");
                        break;
                    case "JitterStrategy":
                        switch (property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null)
                        {
                            case "FULL":
                                jitter = JitterStrategy.Full;
                                break;
                            case "NONE":
                                break;
                            default:
                                Error(fieldPath, "JitterStrategy must be \"FULL\" or \"NONE\"");
                                break;
                        }

                        break;
                    default:
                        Error(fieldPath, $"unknown retrier field '{property.Name}'");
                        break;
                }
            }

            retriers.Add(new Retrier(errorEquals, interval, maxAttempts, backoff, maxDelay, jitter));
        }

        return retriers;
    }

    private List<Catcher> ParseCatchers(JsonElement catchElement, string path, HashSet<string> names)
    {
        var catchers = new List<Catcher>();
        if (catchElement.ValueKind != JsonValueKind.Array)
        {
            Error(path, "Catch must be an array of catchers");
            return catchers;
        }

        var count = catchElement.GetArrayLength();
        var index = 0;
        foreach (var element in catchElement.EnumerateArray())
        {
            var catcherPath = Paths.Index(path, index);
            var isLast = ++index == count;
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(catcherPath, "a catcher must be an object");
                continue;
            }

            foreach (var property in element.EnumerateObject())
            {
                if (property.Name is not ("ErrorEquals" or "Next" or "ResultPath" or "Comment"))
                {
                    Error(Paths.Field(catcherPath, property.Name), JsonataFields.Contains(property.Name)
                        ? $"'{property.Name}' belongs to JSONata or variables, which are not supported"
                        : $"unknown catcher field '{property.Name}'");
                }
            }

            var errorEquals = ErrorEquals(element, catcherPath, isLast, "catcher");
            var next = StateName(element, "Next", catcherPath, names);
            if (!element.TryGetProperty("Next", out _))
            {
                Error(Paths.Field(catcherPath, "Next"), "a catcher needs Next");
            }

            var resultPath = PathField(element, "ResultPath", catcherPath, reference: true);
            if (next is not null)
            {
                catchers.Add(new Catcher(errorEquals, next, resultPath));
            }
        }

        return catchers;
    }

    private List<string> ErrorEquals(JsonElement element, string path, bool isLast, string kind)
    {
        var fieldPath = Paths.Field(path, "ErrorEquals");
        var names = new List<string>();
        if (!element.TryGetProperty("ErrorEquals", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            Error(fieldPath, "ErrorEquals must be a non-empty array of error names");
            return names;
        }

        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var itemPath = Paths.Index(fieldPath, index++);
            if (item.ValueKind != JsonValueKind.String)
            {
                Error(itemPath, "an error name must be a string");
                continue;
            }

            names.Add(item.GetString()!);
        }

        if (names.Contains(ErrorNames.All))
        {
            if (names.Count > 1)
            {
                Error(fieldPath, "States.ALL must appear alone in ErrorEquals");
            }

            if (!isLast)
            {
                Error(fieldPath, $"States.ALL must be in the last {kind}");
            }
        }

        return names;
    }

    private string? StateName(JsonElement element, string field, string path, HashSet<string> names)
    {
        if (!element.TryGetProperty(field, out var value))
        {
            return null;
        }

        var fieldPath = Paths.Field(path, field);
        if (value.ValueKind != JsonValueKind.String)
        {
            Error(fieldPath, $"{field} must be a state name");
            return null;
        }

        var name = value.GetString()!;
        if (!names.Contains(name))
        {
            Error(fieldPath, $"{field} names '{name}', which is not a state here");
            return null;
        }

        return name;
    }

    private JsonPath? PathField(JsonElement state, string field, string path, bool reference)
    {
        if (!state.TryGetProperty(field, out var value))
        {
            return JsonPath.Root;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var fieldPath = Paths.Field(path, field);
        if (value.ValueKind != JsonValueKind.String)
        {
            Error(fieldPath, $"{field} must be a path string or null");
            return JsonPath.Root;
        }

        if (!JsonPath.TryParse(value.GetString()!, out var parsed, out var problem))
        {
            Error(fieldPath, problem);
            return JsonPath.Root;
        }

        if (reference && (!parsed.IsReference || parsed.IsContext))
        {
            Error(fieldPath, $"{field} must be a Reference Path (names and indices only, on the input)");
        }

        return parsed;
    }

    private PayloadTemplate? Template(JsonElement state, string field, string path)
    {
        if (!state.TryGetProperty(field, out var element))
        {
            return null;
        }

        var fieldPath = Paths.Field(path, field);
        var template = PayloadTemplate.Compile(element, fieldPath, _errors);
        if (template.References > limits.MaxTemplateReferences)
        {
            Error(fieldPath, $"{field} reads {template.References} paths; at most {limits.MaxTemplateReferences} are allowed in one template");
        }

        return template;
    }

    private int? PositiveInteger(JsonElement value, string path, string field)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= 1)
        {
            return n;
        }

        Error(path, $"{field} must be a positive integer");
        return null;
    }
}
