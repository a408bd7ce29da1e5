# MUTATION: gather(..., return_exceptions=True) and drops the failures, so an unknown id vanishes
# EXPECT: Expected an UnknownStudent error
async def student_report(student_id):
    grades, attendance, schedule = await asyncio.gather(
        tools.get_grades(student_id), tools.get_attendance(student_id), tools.get_schedule(student_id))
    return {"id": student_id, "grades": grades, "attendance": attendance, "schedule": schedule}


async def class_report(student_ids):
    reports = await asyncio.gather(*(student_report(i) for i in student_ids), return_exceptions=True)
    return [r for r in reports if not isinstance(r, Exception)]
