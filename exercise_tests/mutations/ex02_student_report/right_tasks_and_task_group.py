# Tasks created up front, awaited afterwards; a TaskGroup for the class.
async def student_report(student_id):
    grades = asyncio.create_task(tools.get_grades(student_id))
    attendance = asyncio.create_task(tools.get_attendance(student_id))
    schedule = asyncio.create_task(tools.get_schedule(student_id))
    return {"id": student_id, "grades": await grades, "attendance": await attendance,
            "schedule": await schedule}


async def class_report(student_ids):
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(student_report(i)) for i in student_ids]
    except ExceptionGroup as group:
        raise group.exceptions[0] from None
    return [t.result() for t in tasks]
