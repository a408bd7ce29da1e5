"""Quiz for lesson 22 (MCP tools: stdio server, tool conversion, one session, clean shutdown)."""

from course_utils.quizzes import MultipleChoice

QUESTIONS = [
    MultipleChoice(
        "The model asks for four MCP tools at once. How many client sessions does the agent need to "
        "run the four calls concurrently?",
        ["One per call", "One: a session carries many requests at once, matched by id",
         "One per tool name"],
        answer=1,
        explanation="Each JSON-RPC request has an id; the session's reader task hands every reply to "
                    "the coroutine waiting for that id, so concurrent call_tool()s share one session.",
        wrong_feedback={0: "Each session is a subprocess and a handshake here. What did the lesson's "
                           "TaskGroup run its calls through?",
                        2: "The tool name does not matter: what lets two replies be told apart?"},
    ),
    MultipleChoice(
        "An MCP tool is called with arguments that fail its schema. What does `session.call_tool` do?",
        ["It raises an exception in the client",
         "It returns a result with is_error true and a text saying what went wrong",
         "It returns an empty result"],
        answer=1,
        explanation="Tool errors are results, not exceptions: hand their text to the model, which can "
                    "correct its arguments.",
        wrong_feedback={0: "Look at the lesson's `broken` call: was there a try/except around it?",
                        2: "The lesson printed the result's text: was it empty?"},
    ),
    MultipleChoice(
        "An `AsyncExitStack` holding stdio_client and ClientSession is entered in one task and "
        "closed in another. What happens?",
        ["Nothing special: context managers do not care which task exits them",
         "RuntimeError: the SDK's anyio cancel scopes must be exited by the task that entered them",
         "The server process is killed immediately"],
        answer=1,
        explanation="Give the session one owner task that enters the blocks, waits on a stop event, "
                    "and leaves them itself.",
        wrong_feedback={0: "Some do not, but the SDK's do: the lesson ran exactly this on purpose.",
                        2: "Closing is what fails here: what did the failing cell print?"},
    ),
    MultipleChoice(
        "Which field of an MCP tool becomes `parameters` of an OpenAI function tool?",
        ["description", "input_schema", "output_schema"],
        answer=1,
        explanation="Both describe the arguments with a JSON schema of type object.",
        wrong_feedback={0: "The description is prose for the model; parameters is a schema.",
                        2: "That describes what the tool returns, not what the model must send."},
    ),
]
