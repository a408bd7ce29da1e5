"""Hints for ex02_student_report, from a nudge to near-code; shown one at a time by hint("ex02_student_report").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Calling an async function only creates a coroutine; nothing runs until it is awaited. "
    "Which asyncio function awaits several coroutines at the same time?",
    "asyncio.gather(a(), b(), c()) runs the coroutines concurrently and returns their results as a "
    "list, in the order you passed them (not the order they finished). It also passes on the first "
    "error. class_report can gather one student_report(...) per id.",
    "grades, attendance, schedule = await asyncio.gather(tools.get_grades(student_id), "
    "tools.get_attendance(student_id), tools.get_schedule(student_id)); and in class_report: "
    "return list(await asyncio.gather(*(student_report(i) for i in student_ids)))",
]
